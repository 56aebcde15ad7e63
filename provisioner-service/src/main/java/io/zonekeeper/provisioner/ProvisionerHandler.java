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
import io.zonekeeper.common.runtime.Reconciled;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
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

/**
 * Routes and validates what the provisioner consumes: lifecycle events, reap commands and organization commands, one
 * organization at a time (the consumer guarantees that). Its routes are a table ({@link #routes}); the router checks
 * keys, decodes and dead-letters what can never be applied. The {@link ProvisionerReconciler} decides what a record
 * does; this publishes what it decided, with the record's position where the reap fence needs it. Transient faults
 * propagate so the organization waits.
 */
final class ProvisionerHandler {

    private final ProvisionerConfig.Topics topics;
    private final StateTopic<OrgDnsState> states;
    private final ProvisionerReconciler reconciler;
    private final AuditPublisher audit;
    private final ToLongFunction<TopicPartition> lifecycleCompletedUpTo;
    private final Clock clock;
    private final LifecycleEventRules rules;

    ProvisionerHandler(ProvisionerConfig.Topics topics, StateTopic<OrgDnsState> states,
                       ProvisionerReconciler reconciler, AuditPublisher audit,
                       ToLongFunction<TopicPartition> lifecycleCompletedUpTo, LifecycleEventRules rules, Clock clock) {
        this.rules = rules;
        this.topics = topics;
        this.states = states;
        this.reconciler = reconciler;
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
        var org = new Org(orgId, Identifiers.orgName(event.getOrgName()));
        var cluster = new ClusterRef(orgId, Identifiers.clusterId(event.getClusterId()),
                Identifiers.vaultPath(event.getKubeconfigVaultPath()));
        Optional<OrgDnsState> state = states.get(orgId);
        if (state.isPresent() && state.get().getStatus() == OrgDnsStatus.DELETED && appliedBefore(state.get(), record)) {
            // A replayed event from before the reap: the zone it asked for was reaped after it. Applied again it
            // would make a zone nothing reaps, as the reaper has seen the organization's clusters stop since.
            return Outcome.DONE;
        }
        AuditTrail trail = new AuditTrail(audit, event.getEventId().toString(), orgId, cluster.clusterId());
        Reconciled<OrgDnsState> next = switch (event.getStatus()) {
            case PROVISIONING, RUNNING -> reconciler.clusterRunning(org, cluster, state, trail);
            case DELETED -> reconciler.clusterDeleted(cluster, state, trail);
            // STOPPED, ERROR, or a status this version does not know.
            default -> reconciler.clusterIdle(cluster, state);
        };
        next.map(s -> atPosition(s, record, event.getEventId())).complete(trail, states::publish);
        return Outcome.DONE;
    }

    private Outcome reap(ZoneReapCommand command, String orgId, ConsumerRecord<byte[], byte[]> record) {
        TopicPartition lifecycle = new TopicPartition(topics.lifecycle(), command.getLifecyclePosition().getPartition());
        if (lifecycleCompletedUpTo.applyAsLong(lifecycle) <= command.getLifecyclePosition().getOffset()) {
            // The lifecycle events up to the decision's position are not all applied yet (some may be queued
            // behind this command for the same organization): wait behind them.
            return Outcome.DEFER;
        }
        AuditTrail trail = new AuditTrail(audit, command.getCommandId().toString(), orgId, null);
        reconciler.reap(command, states.get(orgId), topics.lifecycle(), trail).complete(trail, states::publish);
        return Outcome.DONE;
    }

    private Outcome orgCommand(OrgCommand command, String orgId, ConsumerRecord<byte[], byte[]> record) {
        AuditTrail trail = new AuditTrail(audit, command.getCommandId().toString(), orgId, null);
        Optional<OrgDnsState> state = states.get(orgId);
        Reconciled<OrgDnsState> next = switch (command.getAction()) {
            case RECONCILE -> reconciler.reconcile(orgId, state, command.getIssuedBy(), trail);
            case ROLL_EXTERNAL_DNS -> reconciler.rollExternalDns(orgId, state, trail);
            default -> throw new InvalidEventException("command action " + command.getAction()
                    + " is unknown to this version");
        };
        next.complete(trail, states::publish);
        return Outcome.DONE;
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
     * The state with the record's position, even when nothing else changed: the reap fence needs the newest applied
     * position durable. The position never moves backwards, so a replay keeps the fence strict.
     */
    private OrgDnsState atPosition(OrgDnsState state, ConsumerRecord<byte[], byte[]> record, UUID eventId) {
        Long offset = state.getLastLifecycleOffset();
        boolean samePartition = record.topic().equals(state.getLastLifecycleTopic())
                && state.getLastLifecyclePartition() != null && state.getLastLifecyclePartition() == record.partition();
        long newest = samePartition && offset != null ? Math.max(offset, record.offset()) : record.offset();
        return OrgDnsState.newBuilder(state)
                .setLastLifecycleTopic(record.topic())
                .setLastLifecyclePartition(record.partition())
                .setLastLifecycleOffset(newest)
                .setLastEventId(eventId)
                .setUpdatedAt(clock.instant())
                .build();
    }
}
