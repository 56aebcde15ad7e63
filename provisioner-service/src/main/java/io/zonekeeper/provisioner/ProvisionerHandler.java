package io.zonekeeper.provisioner;

import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.events.Identifiers;
import io.zonekeeper.common.events.InvalidEventException;
import io.zonekeeper.common.events.LifecycleEventRules;
import io.zonekeeper.common.events.Org;
import io.zonekeeper.common.kafka.Ingress;
import io.zonekeeper.common.kafka.OrgRecordRouter;
import io.zonekeeper.common.kafka.OrgRecordRouter.Tombstones;
import io.zonekeeper.common.kafka.RecordHandler.Outcome;
import io.zonekeeper.common.kafka.StateTopic;
import io.zonekeeper.common.kubernetes.ClusterRef;
import io.zonekeeper.common.retry.RejectedRecordException;
import io.zonekeeper.common.retry.TransientFailureException;
import io.zonekeeper.provisioner.aws.AccountQuotaException;
import io.zonekeeper.provisioner.aws.UserQuotaException;
import io.zonekeeper.provisioner.aws.ZoneQuotaException;
import io.zonekeeper.provisioner.model.ClusterRoster;
import io.zonekeeper.provisioner.model.FleetPolling;
import io.zonekeeper.provisioner.vault.StoredKey;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgAction;
import io.zonekeeper.schemas.OrgCluster;
import io.zonekeeper.schemas.OrgCommand;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import io.zonekeeper.schemas.ZoneReapCommand;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies lifecycle events, reap commands and organization commands of one organization at a time (the consumer
 * guarantees that). Its routes are a table ({@link #routes}); the router checks keys, decodes and dead-letters what
 * can never be applied, and transient faults propagate so the organization waits.
 */
final class ProvisionerHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ProvisionerHandler.class);

    private final ProvisionerConfig.Topics topics;
    private final StateTopic<OrgDnsState> states;
    private final OrgProvisioner orgs;
    private final ClusterProvisioner clusters;
    private final ReapExecutor reaps;
    private final AuditPublisher audit;
    private final ToLongFunction<TopicPartition> lifecycleCompletedUpTo;
    private final Clock clock;
    private final LifecycleEventRules rules;

    ProvisionerHandler(ProvisionerConfig.Topics topics, StateTopic<OrgDnsState> states, OrgProvisioner orgs,
                       ClusterProvisioner clusters, ReapExecutor reaps, AuditPublisher audit,
                       ToLongFunction<TopicPartition> lifecycleCompletedUpTo, LifecycleEventRules rules, Clock clock) {
        this.rules = rules;
        this.topics = topics;
        this.states = states;
        this.orgs = orgs;
        this.clusters = clusters;
        this.reaps = reaps;
        this.audit = audit;
        this.lifecycleCompletedUpTo = lifecycleCompletedUpTo;
        this.clock = clock;
    }

    /**
     * What the provisioner consumes. A tombstone is a producer's mistake on the lifecycle topic (dead-lettered, so it
     * is seen) and nothing to apply on the command topics, which an operator may clean up by key.
     */
    List<OrgRecordRouter.Route<?>> routes() {
        return List.of(
                new OrgRecordRouter.Route<>(topics.lifecycle(), ClusterLifecycleEvent.class,
                        ResourceType.LIFECYCLE_EVENT, ClusterLifecycleEvent::getOrgId, Tombstones.REJECT,
                        this::lifecycle),
                new OrgRecordRouter.Route<>(topics.reap(), ZoneReapCommand.class, ResourceType.ZONE_REAP,
                        ZoneReapCommand::getOrgId, Tombstones.SKIP, this::reap),
                new OrgRecordRouter.Route<>(topics.orgCommands(), OrgCommand.class, ResourceType.HOSTED_ZONE,
                        OrgCommand::getOrgId, Tombstones.SKIP, this::orgCommand));
    }

    private Outcome lifecycle(ClusterLifecycleEvent event, String orgId, ConsumerRecord<byte[], byte[]> record) {
        rules.check(orgId, event, clock);
        String orgName = Identifiers.orgName(event.getOrgName());
        String clusterId = Identifiers.clusterId(event.getClusterId());
        var org = new Org(orgId, orgName);
        String eventId = event.getEventId().toString();
        AuditTrail trail = new AuditTrail(audit, eventId, orgId, clusterId);
        Optional<OrgDnsState> state = states.get(orgId);

        if (state.isPresent() && state.get().getStatus() == OrgDnsStatus.DELETED && appliedBefore(state.get(), record)) {
            // A replayed event from before the reap: the zone it asked for was reaped after it. Applied again it
            // would make a zone nothing reaps, as the reaper has seen the organization's clusters stop since.
            return Outcome.DONE;
        }
        ClusterStatus status = event.getStatus();
        String kubeconfigPath = Identifiers.vaultPath(event.getKubeconfigVaultPath());
        var cluster = new ClusterRef(orgId, clusterId, kubeconfigPath);
        if (status == ClusterStatus.PROVISIONING || status == ClusterStatus.RUNNING) {
            refuseRename(org, state);
            // The cluster is claimed (or refused as another organization's) before anything of the organization
            // is made: a refused cluster must not leave a billed zone behind.
            clusters.claim(cluster);
            publish(configure(org, cluster, state, record, eventId, trail), record, eventId);
        } else if (status == ClusterStatus.DELETED) {
            clusters.remove(cluster, state, trail);
            state.ifPresent(s -> publish(withClusters(s, ClusterRoster.deleted(s.getClusters(), clusterId)), record,
                    eventId));
        } else {
            // STOPPED, ERROR, or a status this version does not know: the cluster no longer uses the zone, which
            // stays until the reaper decides; only the position moves, for the reap fence. Nothing in the cluster
            // changes, but another organization's cluster is still refused rather than written into this roster.
            clusters.refuseIfAnothers(cluster);
            state.ifPresent(s -> publish(withClusters(s, ClusterRoster.stopped(s.getClusters(), clusterId)), record,
                    eventId));
        }
        trail.awaitDurable();
        return Outcome.DONE;
    }

    /**
     * A running cluster: the organization's resources (none of them touched when the state says they exist and
     * Vault holds the key), ExternalDNS in the cluster, and, when the key or zone changed, the change rolled out to
     * the organization's other running clusters before the keys it replaced are deleted.
     */
    private OrgDnsState configure(Org org, ClusterRef cluster,
                                  Optional<OrgDnsState> state, ConsumerRecord<byte[], byte[]> record, String eventId,
                                  AuditTrail trail) {
        if (orgs.isReady(state, org)) {
            // A cluster joining an organization with a ready zone: no AWS call, only the stored key.
            Optional<StoredKey> key = currentKey(state.get());
            if (key.isPresent()) {
                FleetPolling polling = clusters.polling();
                clusters.ensure(cluster, state.get(), key.get(), polling, trail);
                return configured(state.get(), cluster, key.get(), polling);
            }
        }
        OrgProvisioner.Provisioned provisioned = ensureOwned(org, state, record, trail);
        OrgDnsState ready = provisioned.state();
        try {
            StoredKey key = clusters.storedKey(ready).orElseThrow(() -> new TransientFailureException(
                    "vault read of the key just stored", 1, new IllegalStateException("not visible yet")));
            FleetPolling polling = clusters.polling();
            clusters.ensure(cluster, ready, key, polling, trail);
            OrgDnsState withThis = configured(ready, cluster, key, polling);
            return rolledOut(withThis, provisioned.staleKeys(), cluster.clusterId(), key, false, trail);
        } catch (RejectedRecordException refused) {
            // The organization's resources exist now, whatever became of this cluster: they go into its state before
            // the event is dead-lettered, so the reaper sees the zone and can reap it once no cluster uses it.
            trail.awaitDurable();
            publish(ready, record, eventId);
            throw refused;
        }
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

    /** The key and zone rolled out to the other running clusters, then the keys nobody uses any more deleted. */
    private OrgDnsState rolledOut(OrgDnsState ready, List<String> staleKeys, String exceptClusterId, StoredKey key,
                                  boolean everyRunning, AuditTrail trail) {
        List<OrgCluster> roster = clusters.rollOut(ready.getClusters(), exceptClusterId, ready, key, everyRunning,
                trail);
        orgs.retireKeys(ready, staleKeys, roster, trail);
        return withClusters(ready, roster);
    }

    private static OrgDnsState configured(OrgDnsState state, ClusterRef cluster, StoredKey key,
                                          FleetPolling polling) {
        return withClusters(state, ClusterRoster.configured(state.getClusters(), cluster.clusterId(),
                cluster.kubeconfigPath(), key.accessKeyId(), state.getZoneId(), polling));
    }

    private static OrgDnsState withClusters(OrgDnsState state, List<OrgCluster> roster) {
        return OrgDnsState.newBuilder(state).setClusters(roster).build();
    }

    /**
     * The organization's resources, or a refusal when its zone's name is held by another owner or the account has no
     * room for it: then the event is dead-lettered with the reason, and an organization with no ready zone of its
     * own gets a FAILED state saying why (one that has one — a rename into a taken name — keeps it, and its zone).
     */
    private OrgProvisioner.Provisioned ensureOwned(Org org, Optional<OrgDnsState> state,
                                                   ConsumerRecord<byte[], byte[]> record, AuditTrail trail) {
        try {
            return orgs.ensure(org, state, trail);
        } catch (ZoneOwnershipException | AccountQuotaException | ZoneQuotaException | UserQuotaException refused) {
            trail.awaitDurable();
            if (state.isEmpty() || state.get().getStatus() != OrgDnsStatus.READY) {
                states.publish(OrgDnsState.newBuilder()
                        .setOrgId(org.orgId()).setOrgName(org.orgName()).setBaseDomain(orgs.baseDomain())
                        .setStatus(OrgDnsStatus.FAILED).setStatusReason(refused.getMessage())
                        .setZoneName(orgs.zoneName(org))
                        .setZoneGeneration(state.map(OrgDnsState::getZoneGeneration).orElse(0))
                        .setClusters(state.map(OrgDnsState::getClusters).orElse(List.of()))
                        .setLastLifecyclePartition(record.partition()).setLastLifecycleOffset(record.offset())
                        .setLastLifecycleTopic(record.topic())
                        .setUpdatedAt(clock.instant()).build());
            }
            throw refused;
        }
    }

    private Outcome reap(ZoneReapCommand command, String orgId, ConsumerRecord<byte[], byte[]> record) {
        TopicPartition lifecycle = new TopicPartition(topics.lifecycle(), command.getLifecyclePosition().getPartition());
        if (lifecycleCompletedUpTo.applyAsLong(lifecycle) <= command.getLifecyclePosition().getOffset()) {
            // The lifecycle events up to the decision's position are not all applied yet (some may be queued
            // behind this command for the same organization): wait behind them.
            return Outcome.DEFER;
        }
        AuditTrail trail = new AuditTrail(audit, command.getCommandId().toString(), orgId, null);
        ReapExecutor.Verdict verdict = ReapExecutor.fence(command, states.get(orgId), topics.lifecycle());
        if (verdict instanceof ReapExecutor.Refuse refuse) {
            LOG.info("refused reap of {} for {}: {}", command.getZoneId(), orgId, refuse.reason());
            trail.refused(AuditAction.REAP_REFUSED, ResourceType.ZONE_REAP, command.getZoneId(), refuse.reason());
        } else if (verdict instanceof ReapExecutor.Proceed proceed) {
            reaps.tearDown(proceed.state(), trail);
        }
        trail.awaitDurable();
        return Outcome.DONE;
    }

    /**
     * An operator's reconcile: every AWS resource and the stored key of the organization checked against the world
     * (the shortcut for ready organizations skipped), drift repaired and audited like any change. An organization
     * refused before anything of it was made (FAILED, no zone: a quota, a name taken) is provisioned afresh, so a
     * reconcile brings it up once the cause is gone; refused again, the command is dead-lettered with the reason.
     */
    private Outcome orgCommand(OrgCommand command, String orgId, ConsumerRecord<byte[], byte[]> record) {
        if (command.getAction() == OrgAction.ROLL_EXTERNAL_DNS) {
            rollExternalDns(orgId, command);
            return Outcome.DONE;
        }
        if (command.getAction() != OrgAction.RECONCILE) {
            throw new InvalidEventException("command action " + command.getAction() + " is unknown to this version");
        }
        AuditTrail trail = new AuditTrail(audit, command.getCommandId().toString(), orgId, null);
        Optional<OrgDnsState> state = states.get(orgId);
        boolean refusedBefore = state.isPresent() && state.get().getStatus() == OrgDnsStatus.FAILED
                && state.get().getZoneId() == null;
        if (state.isEmpty() || (state.get().getStatus() != OrgDnsStatus.READY && !refusedBefore)) {
            trail.refused(AuditAction.UPDATED, ResourceType.HOSTED_ZONE, orgId,
                    "reconcile: the organization has no ready zone to check");
        } else {
            LOG.info("reconciling {} on request of {}", orgId, command.getIssuedBy());
            OrgProvisioner.Provisioned checked = orgs.ensure(new Org(orgId, state.get().getOrgName()),
                    state, trail);
            StoredKey key = clusters.storedKey(checked.state()).orElseThrow(() -> new TransientFailureException(
                    "vault read of the key just checked", 1, new IllegalStateException("not visible yet")));
            // Every running cluster is checked, not only those the state says are behind: drift in a cluster
            // (a deleted Secret, an edited Deployment) is what an operator's reconcile is for.
            OrgDnsState reconciled = rolledOut(checked.state(), checked.staleKeys(), null, key, true, trail);
            states.publish(OrgDnsState.newBuilder(reconciled).setLastEventId(state.get().getLastEventId()).build());
        }
        trail.awaitDurable();
        return Outcome.DONE;
    }

    /**
     * The fleet outgrew its Route53 share ({@link ExternalDnsFleet}): the organization's running clusters that poll
     * more often than the fleet's interval get it, with the key and zone they are meant to have. Kubernetes only: no
     * AWS call. An organization without a ready zone or a usable stored key has nothing to roll; its next event or
     * reconcile deploys the current interval anyway.
     */
    private void rollExternalDns(String orgId, OrgCommand command) {
        Optional<OrgDnsState> state = states.get(orgId).filter(s -> s.getStatus() == OrgDnsStatus.READY);
        Optional<StoredKey> key = state.flatMap(this::currentKey);
        if (key.isEmpty()) {
            LOG.info("no ExternalDNS of {} to roll: no ready zone or no current stored key", orgId);
            return;
        }
        AuditTrail trail = new AuditTrail(audit, command.getCommandId().toString(), orgId, null);
        OrgDnsState rolled = rolledOut(state.get(), List.of(), null, key.get(), false, trail);
        if (!rolled.getClusters().equals(state.get().getClusters())) {
            states.publish(OrgDnsState.newBuilder(rolled).setUpdatedAt(clock.instant()).build());
        }
        trail.awaitDurable();
    }

    /** The key Vault holds for the organization, when it is the one its state says is current. */
    private Optional<StoredKey> currentKey(OrgDnsState state) {
        return clusters.storedKey(state).filter(k -> k.accessKeyId().equals(state.getAccessKeyId()));
    }

    /**
     * Whether the state already covers the record: the same topic and partition, at or after its offset. A state of a
     * release before the ingress holds a position in the upstream's topic, where the ingress found the record
     * ({@link Ingress.Origin}): compared there, so the history the ingress copies on its first start is recognised.
     */
    private static boolean appliedBefore(OrgDnsState state, ConsumerRecord<byte[], byte[]> record) {
        if (state.getLastLifecyclePartition() == null || state.getLastLifecycleOffset() == null) {
            return false;
        }
        if (state.getLastLifecycleTopic() == null) {
            Ingress.Origin origin = Ingress.Origin.of(record);
            return !origin.topic().equals(record.topic()) && state.getLastLifecyclePartition() == origin.partition()
                    && origin.offset() <= state.getLastLifecycleOffset();
        }
        return state.getLastLifecycleTopic().equals(record.topic())
                && state.getLastLifecyclePartition() == record.partition()
                && record.offset() <= state.getLastLifecycleOffset();
    }

    /**
     * Publishes the state with the record's position, even when nothing else changed: the reap fence needs the
     * newest applied position durable. The position never moves backwards, so a replay keeps the fence strict.
     */
    private void publish(OrgDnsState state, ConsumerRecord<byte[], byte[]> record, String eventId) {
        Long offset = state.getLastLifecycleOffset();
        boolean samePartition = record.topic().equals(state.getLastLifecycleTopic())
                && state.getLastLifecyclePartition() != null && state.getLastLifecyclePartition() == record.partition();
        long newest = samePartition && offset != null ? Math.max(offset, record.offset()) : record.offset();
        states.publish(OrgDnsState.newBuilder(state)
                .setLastLifecycleTopic(record.topic())
                .setLastLifecyclePartition(record.partition())
                .setLastLifecycleOffset(newest)
                .setLastEventId(UUID.fromString(eventId))
                .setUpdatedAt(clock.instant())
                .build());
    }
}
