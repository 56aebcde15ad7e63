package io.zonekeeper.common.events;

import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.Setting;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * What makes a lifecycle event valid, the same in the three services, checked before anything else happens to it:
 * were they to disagree (one applying an event another dead-letters), they would disagree on which clusters run.
 * A record that fails is dead-lettered with a reason that starts with the field's name. The event id's format is
 * checked when the record is decoded (it is a uuid logical type), with a reason naming it too.
 *
 * @param kubeconfigPrefix the Vault folder the upstream stores kubeconfigs in ({@code KUBECONFIG_VAULT_PREFIX}); the
 *                         services' Vault policies read nothing else
 * @param maxClockSkew     how far ahead of the service's clock an event's time may be ({@code MAX_CLOCK_SKEW}): a
 *                         far-future event would win over every real event of its cluster, forever
 */
public record LifecycleEventRules(String kubeconfigPrefix, Duration maxClockSkew) {

    public static final Setting<Duration> MAX_CLOCK_SKEW = Setting.duration("MAX_CLOCK_SKEW", "1h",
            "lifecycle events further ahead of the service's clock are dead-lettered");

    /** The kubeconfig folder as every service reads it (the reaper too, so it counts no cluster the others refuse). */
    public static LifecycleEventRules read(EnvReader env) {
        return new LifecycleEventRules(VaultSettings.KUBECONFIG_PREFIX.read(env), MAX_CLOCK_SKEW.read(env));
    }

    /** Throws {@link InvalidEventException} for the first field that breaks a rule; {@code key} is the record's. */
    public void check(String key, ClusterLifecycleEvent event, Clock clock) {
        field("orgId", () -> Identifiers.orgId(event.getOrgId()));
        if (key == null || !key.equals(event.getOrgId())) {
            throw new InvalidEventException("key: record key '" + key + "' is not the event's orgId '"
                    + event.getOrgId() + "': keys must be orgId so an organization's records stay in order");
        }
        field("orgName", () -> Identifiers.orgName(event.getOrgName()));
        field("clusterId", () -> Identifiers.clusterId(event.getClusterId()));
        field("clusterName", () -> Identifiers.clusterName(event.getClusterName()));
        field("kubeconfigVaultPath", () -> Identifiers.vaultPath(event.getKubeconfigVaultPath()));
        if (!event.getKubeconfigVaultPath().startsWith(kubeconfigPrefix + "/")) {
            throw new InvalidEventException("kubeconfigVaultPath: '" + event.getKubeconfigVaultPath()
                    + "' is outside '" + kubeconfigPrefix + "/' (KUBECONFIG_VAULT_PREFIX), the only folder the"
                    + " services read kubeconfigs from");
        }
        Instant latest = clock.instant().plus(maxClockSkew);
        if (event.getOccurredAt().isAfter(latest)) {
            throw new InvalidEventException("occurredAt: " + event.getOccurredAt() + " is more than " + maxClockSkew
                    + " ahead of this service's clock (MAX_CLOCK_SKEW)");
        }
    }

    private static void field(String name, Runnable check) {
        try {
            check.run();
        } catch (InvalidEventException e) {
            throw new InvalidEventException(name + ": " + e.getMessage());
        }
    }
}
