package io.zonekeeper.reaper;

import io.zonekeeper.common.events.LifecycleEventRules;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.AuditOutcome;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.LifecyclePosition;
import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ReapReason;
import io.zonekeeper.schemas.ResourceType;
import io.zonekeeper.schemas.ZoneReapCommand;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps, per organization, the clusters using its zone and the reap pending for it; see
 * {@link RunningClustersTopology}. A cluster uses the zone while PROVISIONING or RUNNING; any other status,
 * including one this version does not know, means it does not.
 */
final class RunningClustersProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {

    static final String SERVICE = "reaper-service";
    /** How long a commanded reap waits for the zone to go before it is commanded again. */
    static final Duration RECOMMAND_AFTER = Duration.ofHours(1);

    private final String zonesTopic;
    private final ReapPolicy policy;
    private final Duration punctuateEvery;
    private final String instance;
    private final LifecycleEventRules rules;
    private final ServiceClock clock;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, OrgUsage> usage;
    private KeyValueStore<String, OrgDnsState> zones;
    private KeyValueStore<String, PendingReap> pending;

    RunningClustersProcessor(String zonesTopic, ReapPolicy policy, Duration punctuateEvery, LifecycleEventRules rules,
                             String instance, ServiceClock clock) {
        this.clock = clock;
        this.zonesTopic = zonesTopic;
        this.rules = rules;
        this.policy = policy;
        this.punctuateEvery = punctuateEvery;
        this.instance = instance;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.usage = context.getStateStore(RunningClustersTopology.USAGE_STORE);
        this.zones = context.getStateStore(RunningClustersTopology.ZONES_STORE);
        this.pending = context.getStateStore(RunningClustersTopology.PENDING_REAPS_STORE);
        // Streams' wall clock stays real (a simulated Time would also speed up its commits and timeouts): the
        // punctuation runs every real-time equivalent of the period and asks the service's clock what time it is.
        context.schedule(clock.realTime(punctuateEvery), PunctuationType.WALL_CLOCK_TIME,
                realTime -> commandDueReaps(clock.millis()));
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        if (record.value() instanceof ClusterLifecycleEvent event) {
            applyLifecycle(record.key(), event);
        } else if (record.value() instanceof OrgDnsState state) {
            applyZone(record.key(), state);
        } else if (record.value() == null && isZonesTopic()) {
            zones.delete(record.key());
            cancel(record.key(), "the organization's zone is gone", null);
        }
    }

    private void applyLifecycle(String orgId, ClusterLifecycleEvent event) {
        rules.check(orgId, event, clock.clock());
        var metadata = context.recordMetadata().orElseThrow();
        OrgUsage before = orElse(usage.get(orgId), OrgUsage.empty(event.getOrgName()));
        boolean using = event.getStatus() == ClusterStatus.PROVISIONING || event.getStatus() == ClusterStatus.RUNNING;
        OrgUsage after = before.apply(event.getClusterId(), event.getOccurredAt().toEpochMilli(), using,
                event.getOrgName(), metadata.topic(), metadata.partition(), metadata.offset());
        usage.put(orgId, after);
        boolean setChanged = !before.using().equals(after.using());
        String cause = event.getEventId().toString();
        if (!after.using().isEmpty()) {
            cancel(orgId, "cluster " + event.getClusterId() + " uses the zone again", cause);
        } else if (setChanged || pending.get(orgId) != null) {
            // Unused now (or still, with a newer position the command must carry): decide afresh.
            schedule(orgId, after, event.getOccurredAt(), cause);
        }
        if (setChanged) {
            publish(orgId, after);
        }
    }

    private void applyZone(String orgId, OrgDnsState state) {
        zones.put(orgId, state);
        if (state.getStatus() == OrgDnsStatus.DELETED) {
            cancel(orgId, "the zone is deleted", null);
            return;
        }
        if (state.getStatus() == OrgDnsStatus.DELETING) {
            // A reap is not done until the zone is gone: a teardown that stalls keeps its pending reap, which is
            // commanded again like any other commanded reap that did not finish.
            return;
        }
        OrgUsage current = usage.get(orgId);
        PendingReap existing = pending.get(orgId);
        boolean unused = current != null && current.using().isEmpty();
        if (unused && (existing == null || !existing.zoneId().equals(state.getZoneId()))) {
            // The zone became ready after its clusters went away, or it was replaced: decide for this zone.
            schedule(orgId, current, state.getUpdatedAt() != null ? state.getUpdatedAt() : clock.now(), null);
        }
    }

    private void schedule(String orgId, OrgUsage orgUsage, Instant unusedAt, String cause) {
        OrgDnsState zone = zones.get(orgId);
        if (zone == null || zone.getZoneId() == null || zone.getStatus() != OrgDnsStatus.READY) {
            return;
        }
        PendingReap previous = pending.get(orgId);
        if (previous != null && previous.zoneId().equals(zone.getZoneId())) {
            // Still unused since then: a later event (another cluster stopping, a duplicate) moves only the
            // position the command will carry, never the time the zone became unused.
            unusedAt = Instant.ofEpochMilli(previous.decidedAt());
        }
        ReapPolicy.Decision decision = policy.decide(zone.getZoneCreatedAt(), unusedAt);
        PendingReap reap = new PendingReap(orgUsage.orgName(), zone.getZoneId(),
                zone.getZoneCreatedAt() == null ? -1 : zone.getZoneCreatedAt().toEpochMilli(), decision.reason(),
                unusedAt.toEpochMilli(), decision.dueAt().toEpochMilli(), orgUsage.partition(), orgUsage.offset(), 0);
        pending.put(orgId, reap);
        if (previous == null || previous.dueAt() != reap.dueAt() || !previous.zoneId().equals(reap.zoneId())) {
            audit(orgId, AuditAction.REAP_SCHEDULED, reap.zoneId(), "policy " + reap.reason(), cause, Map.of(
                    "dueAt", decision.dueAt().toString(), "unusedAt", unusedAt.toString(),
                    "zoneCreatedAt", zone.getZoneCreatedAt() == null ? "unknown" : zone.getZoneCreatedAt().toString()));
            publish(orgId, orgUsage);
        }
    }

    private void cancel(String orgId, String reason, String cause) {
        PendingReap existing = pending.get(orgId);
        if (existing == null) {
            return;
        }
        pending.delete(orgId);
        // When the provisioner reports the zone gone after a command, the reap is done, not cancelled.
        if (!(existing.commanded() && isZonesTopic())) {
            audit(orgId, AuditAction.REAP_CANCELLED, existing.zoneId(), reason, cause,
                    Map.of("wasDueAt", Instant.ofEpochMilli(existing.dueAt()).toString()));
        }
        OrgUsage current = usage.get(orgId);
        if (current != null) {
            publish(orgId, current);
        }
    }

    /**
     * Commands every reap due by the wall clock; the provisioner fences each against its position. The month end's
     * reaps go at their {@link ReapPolicy.MonthEnd#slot}: longest unused first, paced so that the last is done just
     * before the 1st, recomputed at every punctuation from what is still pending (an organization that came back is
     * no longer counted, one newly unused joins at the end). Paced per AWS account of the provisioner's pool (the
     * organization's state names it): each account's teardowns draw on its own buckets, so accounts go side by side. A reap commanded before is commanded again after
     * {@link #RECOMMAND_AFTER} while the zone is still there: the command may have been refused on a position that
     * has not moved since, or lost.
     */
    private void commandDueReaps(long now) {
        List<KeyValue<String, PendingReap>> due = new ArrayList<>();
        Map<Instant, Map<String, List<KeyValue<String, PendingReap>>>> monthEnds = new TreeMap<>();
        try (KeyValueIterator<String, PendingReap> all = pending.all()) {
            all.forEachRemaining(entry -> {
                PendingReap reap = entry.value;
                if (reap.commanded()) {
                    if (now - reap.commandedAt() >= RECOMMAND_AFTER.toMillis()) {
                        due.add(entry);
                    }
                } else if (reap.reason() == ReapReason.MONTH_END) {
                    Instant monthStart = ReapPolicy.nextMonthStart(Instant.ofEpochMilli(reap.dueAt() - 1));
                    OrgDnsState zone = zones.get(entry.key);
                    String account = zone == null || zone.getAwsAccount() == null ? "" : zone.getAwsAccount();
                    monthEnds.computeIfAbsent(monthStart, m -> new TreeMap<>())
                            .computeIfAbsent(account, a -> new ArrayList<>()).add(entry);
                } else if (reap.dueAt() <= now) {
                    due.add(entry);
                }
            });
        }
        monthEnds.forEach((monthStart, byAccount) -> byAccount.values().forEach(reaps -> {
            reaps.sort(Comparator.comparingLong((KeyValue<String, PendingReap> e) -> e.value.decidedAt())
                    .thenComparing(e -> e.key));
            for (int k = 0; k < reaps.size(); k++) {
                if (!policy.monthEnd().slot(monthStart, k, reaps.size()).isAfter(Instant.ofEpochMilli(now))) {
                    due.add(reaps.get(k));
                }
            }
        }));
        for (KeyValue<String, PendingReap> entry : due) {
            PendingReap reap = entry.value;
            ZoneReapCommand command = ZoneReapCommand.newBuilder()
                    .setCommandId(UUID.randomUUID())
                    .setOrgId(entry.key)
                    .setOrgName(reap.orgName())
                    .setZoneId(reap.zoneId())
                    .setZoneCreatedAt(Instant.ofEpochMilli(Math.max(0, reap.zoneCreatedAt())))
                    .setReason(reap.reason())
                    .setDecidedAt(Instant.ofEpochMilli(reap.decidedAt()))
                    .setDueAt(Instant.ofEpochMilli(reap.dueAt()))
                    .setLifecyclePosition(new LifecyclePosition(reap.partition(), reap.offset()))
                    .build();
            // Kafka timestamps stay real: brokers refuse records too far ahead of their own time.
            context.forward(new Record<String, SpecificRecord>(entry.key, command, context.currentSystemTimeMs()),
                    RunningClustersTopology.REAP_SINK);
            pending.put(entry.key, reap.commanded(now));
            audit(entry.key, AuditAction.REAP_COMMANDED, reap.zoneId(), "due " + reap.reason(),
                    command.getCommandId().toString(), Map.of("dueAt", command.getDueAt().toString(),
                            "lifecycleOffset", Long.toString(reap.offset())));
            OrgUsage current = usage.get(entry.key);
            if (current != null) {
                publish(entry.key, current);
            }
        }
    }

    private void publish(String orgId, OrgUsage orgUsage) {
        PendingReap reap = pending.get(orgId);
        OrgClusters value = OrgClusters.newBuilder()
                .setOrgId(orgId)
                .setOrgName(orgUsage.orgName())
                .setRunningClusters(orgUsage.using().size())
                .setClusterIds(new ArrayList<>(orgUsage.using()))
                .setLastChangedAt(Instant.ofEpochMilli(orgUsage.lastChangedAt()))
                .setPendingReapAt(reap == null ? null : Instant.ofEpochMilli(reap.dueAt()))
                .build();
        context.forward(new Record<String, SpecificRecord>(orgId, value, context.currentStreamTimeMs()),
                RunningClustersTopology.ORG_CLUSTERS_SINK);
    }

    private void audit(String orgId, AuditAction action, String zoneId, String reason, String cause,
                       Map<String, String> details) {
        AuditEvent event = AuditEvent.newBuilder()
                .setAuditId(UUID.randomUUID())
                .setOccurredAt(clock.now())
                .setService(SERVICE)
                .setInstance(instance)
                .setAction(action)
                .setResourceType(ResourceType.ZONE_REAP)
                .setResourceId(zoneId)
                .setOutcome(AuditOutcome.SUCCEEDED)
                .setReason(reason)
                .setCauseEventId(cause)
                .setOrgId(orgId)
                .setClusterId(null)
                .setDetails(details)
                .setClock(clock.description())
                .build();
        context.forward(new Record<String, SpecificRecord>(orgId, event, context.currentSystemTimeMs()),
                RunningClustersTopology.AUDIT_SINK);
    }

    private boolean isZonesTopic() {
        return context.recordMetadata().map(m -> m.topic().equals(zonesTopic)).orElse(false);
    }

    private static <T> T orElse(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
