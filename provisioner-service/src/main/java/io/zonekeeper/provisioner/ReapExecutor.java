package io.zonekeeper.provisioner;

import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.kafka.StateTopic;
import io.zonekeeper.common.retry.TransientFailureException;
import io.zonekeeper.provisioner.aws.AccountPool;
import io.zonekeeper.provisioner.aws.AwsAccount;
import io.zonekeeper.provisioner.aws.ExternalDnsOwnership;
import io.zonekeeper.provisioner.aws.HostedZones;
import io.zonekeeper.provisioner.model.OrgNaming;
import io.zonekeeper.provisioner.vault.AccessKeyVault;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.OrgCluster;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import io.zonekeeper.schemas.ZoneReapCommand;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.route53.model.HostedZoneNotEmptyException;
import software.amazon.awssdk.services.route53.model.InvalidChangeBatchException;
import software.amazon.awssdk.services.route53.model.NoSuchHostedZoneException;

/**
 * Executes the reaper's command to delete an organization's zone, after the fence of invariant 3, tearing
 * everything down in an order where each step is idempotent, so a crash mid-way resumes on redelivery.
 */
final class ReapExecutor {

    /** The verdict of the fence for one command. */
    sealed interface Verdict permits Proceed, Refuse {
    }

    record Proceed(OrgDnsState state) implements Verdict {
    }

    record Refuse(String reason) implements Verdict {
    }

    /** Listings and deletions of a zone's records within one attempt of a reap, while a writer races them. */
    static final int ZONE_EMPTYING_ATTEMPTS = 5;

    private final AccountPool accounts;
    private final AccessKeyVault vault;
    private final StateTopic<OrgDnsState> states;
    private final Clock clock;

    ReapExecutor(AccountPool accounts, AccessKeyVault vault, StateTopic<OrgDnsState> states, Clock clock) {
        this.accounts = accounts;
        this.vault = vault;
        this.states = states;
        this.clock = clock;
    }

    /**
     * Refuses a command decided before a lifecycle event of the organization that this service has already
     * applied, or for a zone that is no longer the organization's. Whether the lifecycle partition has been
     * consumed up to the command's position is checked by the caller, before this. The command's position is in
     * {@code lifecycleTopic}; a state whose position is in another topic (a release before the ingress) has none to
     * compare, and the running-cluster fence below still holds.
     */
    static Verdict fence(ZoneReapCommand command, Optional<OrgDnsState> state, String lifecycleTopic) {
        if (state.isEmpty() || state.get().getStatus() == OrgDnsStatus.DELETED) {
            return new Refuse("the organization has no zone any more");
        }
        OrgDnsState current = state.get();
        if (!command.getZoneId().equals(current.getZoneId())) {
            return new Refuse("zone " + command.getZoneId() + " is not the organization's current zone "
                    + current.getZoneId());
        }
        Integer partition = current.getLastLifecyclePartition();
        Long offset = current.getLastLifecycleOffset();
        if (partition != null && offset != null && lifecycleTopic.equals(current.getLastLifecycleTopic())
                && partition == command.getLifecyclePosition().getPartition()
                && offset > command.getLifecyclePosition().getOffset()) {
            return new Refuse("a newer lifecycle event of the organization (offset " + offset
                    + ") was applied after the decision at offset " + command.getLifecyclePosition().getOffset());
        }
        // A second fence that needs no positions: the applied events say a cluster runs (a reaper that decided
        // wrongly, or a command replayed by hand, is refused too).
        Optional<String> runningCluster = current.getClusters().stream().filter(OrgCluster::getRunning)
                .map(OrgCluster::getClusterId).findFirst();
        if (runningCluster.isPresent()) {
            return new Refuse("cluster " + runningCluster.get() + " of the organization is running");
        }
        return new Proceed(current);
    }

    /**
     * Tears the organization down in the order that leaves nothing billed and nothing claimable behind, whatever an
     * ExternalDNS still running in a stopped or unreachable cluster does meanwhile:
     * <ol>
     *   <li>access first: the user (its keys and attachments with it) and the policy, so nothing can write to the
     *       zone any more (IAM may honour a deleted key for a few seconds: the zone step below absorbs that);
     *   <li>the parent's delegation, before the zone (a delegation left pointing at a deleted zone's name servers
     *       is one anyone could claim by creating a zone of that name on them);
     *   <li>the records, then the zone; a zone that is not empty because a record was written or removed between
     *       the listing and the deletion is listed and emptied again, and if it keeps changing the reap waits and
     *       is retried (a transient fault, never a dead letter), so the zone is never left behind;
     *   <li>the stored key; then the DELETED state, which stays in the compacted topic: it keeps the zone
     *       generation, so the next zone gets a CallerReference never used before without probing.
     * </ol>
     * Every step tolerates "already gone", so a crash mid-way resumes on redelivery. Everything goes in the
     * organization's account, the delegation in the parent zone's; teardowns in different accounts draw on
     * different token buckets, so they run side by side.
     */
    void tearDown(OrgDnsState state, AuditTrail audit) {
        AwsAccount account = accounts.of(state.getOrgId(), state.getAwsAccount());
        OrgDnsState deleting = OrgDnsState.newBuilder(state).setStatus(OrgDnsStatus.DELETING)
                .setUpdatedAt(clock.instant()).build();
        states.publish(deleting);
        String zoneId = state.getZoneId();
        String zoneName = state.getZoneName();

        List<String> managed = state.getPolicyArn() == null ? List.of() : List.of(state.getPolicyArn());
        if (state.getIamUserName() != null) {
            audit.record(account.users().deleteUser(state.getIamUserName(), OrgNaming.ZONE_POLICY_NAME, knownKeys(state), managed),
                    ResourceType.IAM_USER, state.getIamUserName(), "with its policy and access keys, before the zone:"
                            + " nothing can write to it any more", Map.of());
        }
        for (String arn : managed) {
            audit.record(account.policies().delete(arn), ResourceType.IAM_POLICY, arn, null, Map.of());
        }
        audit.record(accounts.parent().removeDelegation(zoneName), ResourceType.ZONE_DELEGATION,
                accounts.parent().delegationOf(zoneName), null, Map.of());
        deleteZoneWithItsRecords(account.zones(), zoneId, zoneName, audit);
        if (state.getCredentialsVaultPath() != null) {
            vault.destroy(state.getCredentialsVaultPath());
            audit.record(AuditAction.DELETED, ResourceType.VAULT_SECRET, state.getCredentialsVaultPath(), null, Map.of());
        }
        states.publish(OrgDnsState.newBuilder(deleting).setStatus(OrgDnsStatus.DELETED).setAccessKeyId(null)
                .setUpdatedAt(clock.instant()).build());
    }

    /** The keys the state knows the user has: the current one and any a cluster was last given. */
    private static List<String> knownKeys(OrgDnsState state) {
        Set<String> keys = new LinkedHashSet<>();
        if (state.getAccessKeyId() != null) {
            keys.add(state.getAccessKeyId());
        }
        state.getClusters().stream().map(OrgCluster::getAccessKeyId).filter(Objects::nonNull).forEach(keys::add);
        return List.copyOf(keys);
    }

    private static void deleteZoneWithItsRecords(HostedZones zones, String zoneId, String zoneName,
                                                 AuditTrail audit) {
        for (int attempt = 1; ; attempt++) {
            try {
                var records = ExternalDnsOwnership.allButApexInfrastructure(zones.records(zoneId), zoneName);
                if (!records.isEmpty()) {
                    zones.delete(zoneId, records);
                    audit.record(AuditAction.DELETED, ResourceType.DNS_RECORDS, zoneId, null,
                            Map.of("count", Integer.toString(records.size())));
                }
                audit.record(zones.deleteZone(zoneId), ResourceType.HOSTED_ZONE, zoneId, null,
                        Map.of("zoneName", zoneName));
                return;
            } catch (NoSuchHostedZoneException alreadyGone) {
                return;
            } catch (HostedZoneNotEmptyException | InvalidChangeBatchException changedMeanwhile) {
                // Someone wrote a record after the listing (not empty), or removed one (the batch names a record
                // that is gone): list again. A zone that keeps changing is a transient fault of this reap.
                if (attempt >= ZONE_EMPTYING_ATTEMPTS) {
                    throw new TransientFailureException("emptying zone " + zoneId + " (records keep changing)",
                            attempt, changedMeanwhile);
                }
            }
        }
    }
}
