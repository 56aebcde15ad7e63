package io.zonekeeper.provisioner;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.kubernetes.ClusterClaimedException;
import io.zonekeeper.common.kubernetes.ClusterClients;
import io.zonekeeper.common.kubernetes.ClusterRef;
import io.zonekeeper.common.kubernetes.KubeconfigUnusableException;
import io.zonekeeper.common.retry.TransientFailureException;
import io.zonekeeper.provisioner.aws.AccountPool;
import io.zonekeeper.provisioner.aws.ExternalDnsOwnership;
import io.zonekeeper.provisioner.aws.HostedZones;
import io.zonekeeper.provisioner.kubernetes.ExternalDnsDeployment;
import io.zonekeeper.provisioner.model.ClusterRoster;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.provisioner.model.FleetPolling;
import io.zonekeeper.provisioner.vault.AccessKeyVault;
import io.zonekeeper.provisioner.vault.StoredKey;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.OrgCluster;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/** One cluster's part: ExternalDNS and its credentials in the cluster, and its records when it goes. */
final class ClusterProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterProvisioner.class);

    private final ClusterClients clusters;
    private final ExternalDnsDeployment externalDns;
    private final AccessKeyVault vault;
    private final AccountPool accounts;
    private final Function<String, FleetPolling> fleetPolling;

    /** {@code fleetPolling}: the interval the ExternalDNS of an account's fleet get now, by account id. */
    ClusterProvisioner(ClusterClients clusters, ExternalDnsDeployment externalDns, AccessKeyVault vault,
                       AccountPool accounts, Function<String, FleetPolling> fleetPolling) {
        this.clusters = clusters;
        this.externalDns = externalDns;
        this.vault = vault;
        this.accounts = accounts;
        this.fleetPolling = fleetPolling;
    }

    /** The polling interval the ExternalDNS of the organization's account get now. */
    FleetPolling polling(OrgDnsState state) {
        return fleetPolling.apply(state.getAwsAccount());
    }

    /** The stored key for the organization, if Vault has it. */
    Optional<StoredKey> storedKey(OrgDnsState state) {
        return vault.read(state.getCredentialsVaultPath());
    }

    /**
     * Claims the cluster for its organization, or refuses the record with {@link ClusterClaimedException} when the
     * cluster, its kubeconfig or its API server is another organization's: before anything of the organization is
     * made, so a refused cluster costs no zone, user or key.
     */
    void claim(ClusterRef cluster) {
        clusters.connect(cluster);
    }

    /**
     * Refuses the record with {@link ClusterClaimedException} when the cluster it names is another organization's;
     * for records that only tell of a cluster (stopped, failed) and change nothing in it.
     */
    void refuseIfAnothers(ClusterRef cluster) {
        clusters.ownership(cluster);
    }

    /** ExternalDNS in the cluster with the key, the zone and {@code polling}. */
    void ensure(ClusterRef cluster, OrgDnsState state, StoredKey key, FleetPolling polling, AuditTrail audit) {
        var target = new ExternalDnsManifests.Target(state.getZoneName(), state.getZoneId(), cluster.clusterId());
        var credentials = new ExternalDnsManifests.Credentials(key.accessKeyId(), key.secretAccessKey(), key.version());
        KubernetesClient client = clusters.connect(cluster);
        for (ExternalDnsDeployment.Applied applied : externalDns.ensure(client, target, credentials,
                polling).applied()) {
            audit.record(applied.change(), applied.resourceType(), applied.object(), null,
                    Map.of("accessKeyId", key.accessKeyId()));
        }
    }

    /**
     * Brings the organization's other running clusters to the state's key, zone and the fleet's polling (all of them when
     * {@code everyRunning}, as a reconcile does; otherwise those behind), in the roster's order, and returns the
     * roster as it now is. A cluster that cannot be configured (API server down, kubeconfig gone, a refusal) does
     * not hold up the organization: it keeps the key and zone it has, its entry says why, the key it uses is not
     * deleted, and the next change, reconcile or its own next event tries again.
     */
    List<OrgCluster> rollOut(List<OrgCluster> roster, String exceptClusterId, OrgDnsState state, StoredKey key,
                             boolean everyRunning, AuditTrail audit) {
        List<OrgCluster> result = new ArrayList<>();
        FleetPolling polling = polling(state);
        for (OrgCluster cluster : roster) {
            boolean behind = ClusterRoster.isBehind(cluster, key.accessKeyId(), state.getZoneId(), polling);
            if (cluster.getClusterId().equals(exceptClusterId) || !cluster.getRunning() || !(behind || everyRunning)) {
                result.add(cluster);
                continue;
            }
            AuditTrail trail = audit.forCluster(cluster.getClusterId());
            try {
                ensure(new ClusterRef(state.getOrgId(), cluster.getClusterId(), cluster.getKubeconfigVaultPath()), state,
                        key, polling, trail);
                result.add(OrgCluster.newBuilder(cluster).setAccessKeyId(key.accessKeyId())
                        .setZoneId(state.getZoneId()).setExternalDnsIntervalSeconds(polling.intervalSeconds())
                        .setLastError(null).build());
            } catch (RuntimeException unreachable) {
                // Class and message only: the clients used here put no secret values in their messages.
                String reason = unreachable.getClass().getSimpleName() + ": " + unreachable.getMessage();
                LOG.warn("could not roll key {} / zone {} out to cluster {}: {}", key.accessKeyId(), state.getZoneId(),
                        cluster.getClusterId(), reason);
                trail.failed(ResourceType.EXTERNAL_DNS, cluster.getClusterId(), "rollout of key " + key.accessKeyId()
                        + " and zone " + state.getZoneId() + " failed; the cluster keeps what it has: " + reason);
                result.add(OrgCluster.newBuilder(cluster).setLastError(reason).build());
            }
        }
        return List.copyOf(result);
    }

    /**
     * The cluster is gone: stop its ExternalDNS first (so it cannot recreate what is deleted next), then delete
     * the records it owned, then let go of the cluster's claim. Only a cluster the organization owns is touched: one
     * it holds the claim of, through every kubeconfig the claim lists (a cluster whose kubeconfig moved to another
     * server left an ExternalDNS behind the old one), or (claimed before claims existed) one its state lists, through
     * the kubeconfig the state knows. An organization with no state and no claim owns nothing, and another
     * organization's cluster is refused before anything is done. An unreachable cluster counts as gone.
     */
    void remove(ClusterRef cluster, Optional<OrgDnsState> state, AuditTrail audit) {
        Set<String> reachedThrough = new LinkedHashSet<>();
        state.flatMap(s -> s.getClusters().stream().filter(c -> c.getClusterId().equals(cluster.clusterId()))
                .findFirst()).ifPresent(known -> reachedThrough.add(known.getKubeconfigVaultPath()));
        reachedThrough.addAll(clusters.ownership(cluster).kubeconfigs());
        for (String kubeconfigPath : reachedThrough) {
            try {
                int removed = externalDns.remove(clusters.connect(new ClusterRef(cluster.orgId(), cluster.clusterId(),
                        kubeconfigPath)));
                if (removed > 0) {
                    audit.record(AuditAction.DELETED, ResourceType.EXTERNAL_DNS, cluster.clusterId(), null,
                            Map.of("objects", Integer.toString(removed), "kubeconfig", kubeconfigPath));
                }
            } catch (KubeconfigUnusableException | TransientFailureException gone) {
                audit.record(AuditAction.DELETED, ResourceType.EXTERNAL_DNS, cluster.clusterId(),
                        "cluster unreachable, counted as gone: " + gone.getMessage(), Map.of());
            }
        }
        removeRecords(cluster, state, audit);
        clusters.release(cluster);
    }

    private void removeRecords(ClusterRef cluster, Optional<OrgDnsState> state, AuditTrail audit) {
        if (state.isEmpty() || state.get().getStatus() != OrgDnsStatus.READY) {
            // No zone, or one that is being or has been deleted with all its records.
            return;
        }
        String zoneId = state.get().getZoneId();
        HostedZones zones = accounts.of(state.get().getOrgId(), state.get().getAwsAccount()).zones();
        var owned = ExternalDnsOwnership.ownedBy(cluster.clusterId(), zones.records(zoneId), state.get().getZoneName());
        if (!owned.isEmpty()) {
            zones.delete(zoneId, owned);
            audit.record(AuditAction.DELETED, ResourceType.DNS_RECORDS, zoneId, "records owned by the deleted cluster",
                    Map.of("count", Integer.toString(owned.size()), "names", String.join(",", owned.stream()
                            .map(ResourceRecordSet::name).distinct().limit(20).toList())));
        }
    }
}
