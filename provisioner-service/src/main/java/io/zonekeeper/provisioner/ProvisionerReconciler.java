package io.zonekeeper.provisioner;

import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.events.Org;
import io.zonekeeper.common.kubernetes.ClusterRef;
import io.zonekeeper.common.retry.RejectedRecordException;
import io.zonekeeper.common.retry.TransientFailureException;
import io.zonekeeper.common.runtime.Reconciled;
import io.zonekeeper.provisioner.aws.AccountQuotaException;
import io.zonekeeper.provisioner.aws.UserQuotaException;
import io.zonekeeper.provisioner.aws.ZoneQuotaException;
import io.zonekeeper.provisioner.model.ClusterRoster;
import io.zonekeeper.provisioner.model.FleetPolling;
import io.zonekeeper.provisioner.vault.StoredKey;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.OrgCluster;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import io.zonekeeper.schemas.ZoneReapCommand;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what one record does to an organization's DNS: takes its current state and what the record asks, has the
 * domain classes act ({@link OrgProvisioner} for the zone, IAM and key, {@link ClusterProvisioner} for its clusters,
 * {@link ReapExecutor} for a reap), and returns the next state ({@link Reconciled}); the handler publishes it. Every
 * change is recorded in the record's audit trail as it is made.
 */
final class ProvisionerReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(ProvisionerReconciler.class);

    private final OrgProvisioner orgs;
    private final ClusterProvisioner clusters;
    private final ReapExecutor reaps;
    private final Clock clock;

    ProvisionerReconciler(OrgProvisioner orgs, ClusterProvisioner clusters, ReapExecutor reaps, Clock clock) {
        this.orgs = orgs;
        this.clusters = clusters;
        this.reaps = reaps;
        this.clock = clock;
    }

    /**
     * A cluster provisioning or running: the organization's resources (none of them touched when the state says
     * they exist and Vault holds the key), ExternalDNS in the cluster, and, when the key or zone changed, the change
     * rolled out to the organization's other running clusters before the keys it replaced are deleted. The cluster
     * is claimed (or refused as another organization's) before anything of the organization is made: a refused
     * cluster must not leave a billed zone behind.
     */
    Reconciled<OrgDnsState> clusterRunning(Org org, ClusterRef cluster, Optional<OrgDnsState> state,
                                           AuditTrail trail) {
        refuseRename(org, state);
        clusters.claim(cluster);
        if (orgs.isReady(state, org)) {
            // A cluster joining an organization with a ready zone: no AWS call, only the stored key.
            Optional<StoredKey> key = currentKey(state.get());
            if (key.isPresent()) {
                FleetPolling polling = clusters.polling(state.get());
                clusters.ensure(cluster, state.get(), key.get(), polling, trail);
                return Reconciled.to(configured(state.get(), cluster, key.get(), polling));
            }
        }
        OrgProvisioner.Provisioned provisioned;
        try {
            provisioned = orgs.ensure(org, state, trail);
        } catch (ZoneOwnershipException | AccountQuotaException | ZoneQuotaException | UserQuotaException refused) {
            return Reconciled.refused(failed(org, state, refused), refused);
        }
        OrgDnsState ready = provisioned.state();
        try {
            StoredKey key = clusters.storedKey(ready).orElseThrow(() -> new TransientFailureException(
                    "vault read of the key just stored", 1, new IllegalStateException("not visible yet")));
            FleetPolling polling = clusters.polling(ready);
            clusters.ensure(cluster, ready, key, polling, trail);
            OrgDnsState withThis = configured(ready, cluster, key, polling);
            return Reconciled.to(rolledOut(withThis, provisioned.staleKeys(), cluster.clusterId(), key, false, trail));
        } catch (RejectedRecordException refused) {
            // The organization's resources exist now, whatever became of this cluster: they go into its state before
            // the event is dead-lettered, so the reaper sees the zone and can reap it once no cluster uses it.
            return Reconciled.refused(Optional.of(ready), refused);
        }
    }

    /**
     * A cluster stopped, failed, or in a status this version does not know: it no longer uses the zone, which stays
     * until the reaper decides; only the position moves, for the reap fence. Nothing in the cluster changes, but
     * another organization's cluster is still refused rather than written into this roster.
     */
    Reconciled<OrgDnsState> clusterIdle(ClusterRef cluster, Optional<OrgDnsState> state) {
        clusters.refuseIfAnothers(cluster);
        return Reconciled.toIfAny(state.map(s -> withClusters(s, ClusterRoster.stopped(s.getClusters(),
                cluster.clusterId()))));
    }

    /** A cluster deleted: what the provisioner put in it goes, and it leaves the roster. */
    Reconciled<OrgDnsState> clusterDeleted(ClusterRef cluster, Optional<OrgDnsState> state, AuditTrail trail) {
        clusters.remove(cluster, state, trail);
        return Reconciled.toIfAny(state.map(s -> withClusters(s, ClusterRoster.deleted(s.getClusters(),
                cluster.clusterId()))));
    }

    /**
     * The reaper's command, past the ordering fence: refused with the reason when the organization's state says the
     * zone is in use (invariant 3), torn down otherwise. A teardown publishes its own states as it goes (DELETING
     * before the first deletion, DELETED after the last), so a crash half-way is resumed and seen.
     */
    Reconciled<OrgDnsState> reap(ZoneReapCommand command, Optional<OrgDnsState> state, String lifecycleTopic,
                                 AuditTrail trail) {
        ReapExecutor.Verdict verdict = ReapExecutor.fence(command, state, lifecycleTopic);
        if (verdict instanceof ReapExecutor.Refuse refuse) {
            LOG.info("refused reap of {} for {}: {}", command.getZoneId(), command.getOrgId(), refuse.reason());
            trail.refused(AuditAction.REAP_REFUSED, ResourceType.ZONE_REAP, command.getZoneId(), refuse.reason());
        } else if (verdict instanceof ReapExecutor.Proceed proceed) {
            reaps.tearDown(proceed.state(), trail);
        }
        return Reconciled.nothing();
    }

    /**
     * An operator's reconcile: every AWS resource and the stored key of the organization checked against the world
     * (the shortcut for ready organizations skipped), drift repaired and audited like any change. An organization
     * refused before anything of it was made (FAILED, no zone: a quota, a name taken) is provisioned afresh, so a
     * reconcile brings it up once the cause is gone; refused again, the command is dead-lettered with the reason.
     */
    Reconciled<OrgDnsState> reconcile(String orgId, Optional<OrgDnsState> state, String requestedBy,
                                      AuditTrail trail) {
        // Refused before anything of it was made, or placed in an account and not READY yet (a crash): brought up.
        boolean refusedBefore = state.isPresent() && ((state.get().getStatus() == OrgDnsStatus.FAILED
                && state.get().getZoneId() == null) || state.get().getStatus() == OrgDnsStatus.PROVISIONING);
        if (state.isEmpty() || (state.get().getStatus() != OrgDnsStatus.READY && !refusedBefore)) {
            trail.refused(AuditAction.UPDATED, ResourceType.HOSTED_ZONE, orgId,
                    "reconcile: the organization has no ready zone to check");
            return Reconciled.nothing();
        }
        LOG.info("reconciling {} on request of {}", orgId, requestedBy);
        OrgProvisioner.Provisioned checked = orgs.ensure(new Org(orgId, state.get().getOrgName()), state, trail);
        StoredKey key = clusters.storedKey(checked.state()).orElseThrow(() -> new TransientFailureException(
                "vault read of the key just checked", 1, new IllegalStateException("not visible yet")));
        // Every running cluster is checked, not only those the state says are behind: drift in a cluster (a deleted
        // Secret, an edited Deployment) is what an operator's reconcile is for.
        OrgDnsState reconciled = rolledOut(checked.state(), checked.staleKeys(), null, key, true, trail);
        return Reconciled.to(OrgDnsState.newBuilder(reconciled).setLastEventId(state.get().getLastEventId()).build());
    }

    /**
     * The fleet outgrew its Route53 share ({@link ExternalDnsFleet}): the organization's running clusters that poll
     * more often than the fleet's interval get it, with the key and zone they are meant to have. Kubernetes only: no
     * AWS call. An organization without a ready zone or a usable stored key has nothing to roll; its next event or
     * reconcile deploys the current interval anyway.
     */
    Reconciled<OrgDnsState> rollExternalDns(String orgId, Optional<OrgDnsState> state, AuditTrail trail) {
        Optional<OrgDnsState> ready = state.filter(s -> s.getStatus() == OrgDnsStatus.READY);
        Optional<StoredKey> key = ready.flatMap(this::currentKey);
        if (key.isEmpty()) {
            LOG.info("no ExternalDNS of {} to roll: no ready zone or no current stored key", orgId);
            return Reconciled.nothing();
        }
        OrgDnsState rolled = rolledOut(ready.get(), List.of(), null, key.get(), false, trail);
        if (rolled.getClusters().equals(ready.get().getClusters())) {
            return Reconciled.nothing();
        }
        return Reconciled.to(OrgDnsState.newBuilder(rolled).setUpdatedAt(clock.instant()).build());
    }

    /**
     * An organization's name is its zone's name while the zone exists: a new name would get a second zone and
     * leave this one billed, with nothing left to reap it. So a rename is refused until the zone is gone (reaped);
     * then the next zone takes the new name. Events that do not configure anything (STOPPED, DELETED) are applied
     * whatever name they carry.
     */
    private static void refuseRename(Org org, Optional<OrgDnsState> state) {
        if (state.isEmpty()) {
            return;
        }
        OrgDnsStatus status = state.get().getStatus();
        if (status == OrgDnsStatus.READY || status == OrgDnsStatus.DELETING) {
            org.refuseRenameFrom(state.get().getOrgName(), "its zone " + state.get().getZoneName() + " exists",
                    "while the zone exists (it would leave that zone billed)", "rename it once its zone has been reaped");
        }
    }

    /**
     * The state of an organization refused before it had a ready zone of its own (its zone's name held by another
     * owner, an account with no room): FAILED, saying why. One that has a ready zone (a rename into a taken name)
     * keeps its state, and its zone.
     */
    private Optional<OrgDnsState> failed(Org org, Optional<OrgDnsState> state, RejectedRecordException refused) {
        if (state.isPresent() && state.get().getStatus() == OrgDnsStatus.READY) {
            return Optional.empty();
        }
        // Refused after its placement was recorded: what was made before the refusal is in that account.
        String placedIn = state.filter(s -> s.getStatus() == OrgDnsStatus.PROVISIONING
                || s.getStatus() == OrgDnsStatus.FAILED).map(OrgDnsState::getAwsAccount).orElse(null);
        return Optional.of(OrgDnsState.newBuilder()
                .setOrgId(org.orgId()).setOrgName(org.orgName()).setBaseDomain(orgs.baseDomain())
                .setStatus(OrgDnsStatus.FAILED).setStatusReason(refused.getMessage()).setAwsAccount(placedIn)
                .setZoneName(orgs.zoneName(org))
                .setZoneGeneration(state.map(OrgDnsState::getZoneGeneration).orElse(0))
                .setClusters(state.map(OrgDnsState::getClusters).orElse(List.of()))
                .setUpdatedAt(clock.instant()).build());
    }

    /** The key and zone rolled out to the other running clusters, then the keys nobody uses any more deleted. */
    private OrgDnsState rolledOut(OrgDnsState ready, List<String> staleKeys, String exceptClusterId, StoredKey key,
                                  boolean everyRunning, AuditTrail trail) {
        List<OrgCluster> roster = clusters.rollOut(ready.getClusters(), exceptClusterId, ready, key, everyRunning,
                trail);
        orgs.retireKeys(ready, staleKeys, roster, trail);
        return withClusters(ready, roster);
    }

    /** The key Vault holds for the organization, when it is the one its state says is current. */
    private Optional<StoredKey> currentKey(OrgDnsState state) {
        return clusters.storedKey(state).filter(k -> k.accessKeyId().equals(state.getAccessKeyId()));
    }

    private static OrgDnsState configured(OrgDnsState state, ClusterRef cluster, StoredKey key,
                                          FleetPolling polling) {
        return withClusters(state, ClusterRoster.configured(state.getClusters(), cluster.clusterId(),
                cluster.kubeconfigPath(), key.accessKeyId(), state.getZoneId(), polling));
    }

    private static OrgDnsState withClusters(OrgDnsState state, List<OrgCluster> roster) {
        return OrgDnsState.newBuilder(state).setClusters(roster).build();
    }
}
