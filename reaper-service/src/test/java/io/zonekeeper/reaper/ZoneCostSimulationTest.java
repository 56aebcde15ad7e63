package io.zonekeeper.reaper;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.dlq.Rejections;
import io.zonekeeper.common.events.LifecycleEventRules;
import io.zonekeeper.common.serde.AvroSerde;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.reaper.ZoneCharges.Span;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ZoneReapCommand;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import io.zonekeeper.testkit.time.SettableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The billing-aware policy on three months of a synthetic fleet, through the real topology with simulated time:
 * the simulator plays the provisioner (creates a zone when a cluster needs one, executes reap commands after
 * the same fence), then charges every zone by Route53's rule and compares with never deleting, deleting as soon
 * as unused, and the offline optimum. Figures are written to {@code target/zone-cost-simulation.txt}.
 */
class ZoneCostSimulationTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant HORIZON = Instant.parse("2026-04-01T00:00:00Z");
    private static final Duration STEP = Duration.ofMinutes(5);
    /** The production month end: just in time, 15 minutes' margin, the provisioner's default rates, one task. */
    private static final ReapPolicy.MonthEnd MONTH_END = ReapPolicy.MonthEnd.justInTime(Duration.ofMinutes(15),
            10 * 0.5, 10, 1);
    private ApicurioRegistry registryServer;
    /** How far behind the reaper the simulated provisioner executes commands, at most. */
    private static final Duration PROVISIONER_LAG = Duration.ofMinutes(10);

    /** One hosted zone the simulated provisioner created. */
    private static final class Zone {
        final String orgId;
        final String zoneId;
        final Instant created;
        Instant deleted;

        Zone(String orgId, String zoneId, Instant created) {
            this.orgId = orgId;
            this.zoneId = zoneId;
            this.created = created;
        }
    }

    private final ReaperConfig.Topics topics = ReaperConfig.Topics.defaults();
    private final Map<String, Zone> liveZones = new HashMap<>();
    private final List<Zone> allZones = new ArrayList<>();
    private final Map<String, Long> lastLifecycleOffset = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private Map<String, List<Span>> usage;
    private TopologyTestDriver driver;
    private TestInputTopic<String, ClusterLifecycleEvent> lifecycle;
    private TestInputTopic<String, OrgDnsState> zonesTopic;
    private TestOutputTopic<String, ZoneReapCommand> reaps;
    private java.util.Random lag = new java.util.Random(7);
    /** The month end of the run under way. */
    private ReapPolicy.MonthEnd monthEnd = MONTH_END;
    /** Commands read from zone.reap.v1 and not executed yet: the provisioner runs a few minutes behind. */
    private final java.util.Deque<Map.Entry<Instant, ZoneReapCommand>> queued = new java.util.ArrayDeque<>();
    private Instant wall = START;
    /** The reaper's clock, kept with the driver's wall clock. */
    private final SettableClock clock = new SettableClock(START);
    private long lifecycleOffset = -1;
    private int commanded;
    private int refused;

    /** What one run charged, against the strategies computed from the same usage. */
    private record Result(int policy, int never, int asap, int optimum, int zones, int asapZones, int commanded,
                          int refused, List<String> violations, double seconds) {

        double aboveOptimum() {
            return 100.0 * (policy - optimum) / optimum;
        }
    }

    @Test
    void policyChargesNoMoreThanDeletingAtOnceAndNeverReapsAZoneInUse() throws Exception {
        int organizations = Integer.getInteger("simulation.orgs", 1000);
        SyntheticTrace trace = new SyntheticTrace(20261125L, START, HORIZON).generate(organizations);
        Result result = run(trace, MONTH_END);
        List<String> report = List.of(
                String.format("%d organizations, %d lifecycle events, %s to %s, simulated in %.1f s", organizations,
                        trace.events().size(), START, HORIZON, result.seconds()),
                String.format("zone charges: policy %d, never delete %d, delete as soon as unused %d, offline optimum %d",
                        result.policy(), result.never(), result.asap(), result.optimum()),
                String.format("policy vs never %.1f%%, vs as soon as unused %.1f%%, above optimum %.2f%%",
                        100.0 * (result.policy() - result.never()) / result.never(),
                        100.0 * (result.policy() - result.asap()) / result.asap(), result.aboveOptimum()),
                String.format("zones created: policy %d, as soon as unused %d; reaps commanded %d, refused by the fence %d",
                        result.zones(), result.asapZones(), result.commanded(), result.refused()),
                "violations: " + result.violations().size());
        report.forEach(System.out::println);
        Files.write(Path.of("target", "zone-cost-simulation.txt"), report);

        assertThat(result.violations()).isEmpty();
        assertThat(result.policy()).isLessThanOrEqualTo(result.asap()).isGreaterThanOrEqualTo(result.optimum());
        assertThat(result.aboveOptimum()).as("within 1 % of the optimum").isLessThanOrEqualTo(1.0);
        assertThat(result.commanded()).isPositive();
    }

    @Test
    void organizationsThatComeBackInTheLastHoursOfAMonthCostNoMoreJustInTimeThanWithAFifteenMinuteWindow()
            throws Exception {
        int organizations = Integer.getInteger("simulation.lateOrgs", 300);
        SyntheticTrace trace = new SyntheticTrace(20261203L, START, HORIZON).generateLateReturns(organizations);
        Result justInTime = run(trace, MONTH_END);
        Result quarterHour = run(trace, ReapPolicy.MonthEnd.fixedWindow(Duration.ofMinutes(15)));
        Result sixHours = run(trace, ReapPolicy.MonthEnd.fixedWindow(Duration.ofHours(6)));
        List<String> report = List.of(
                String.format("%d organizations that leave mid-month and come back in a month's last 8 hours, %d"
                        + " lifecycle events, %s to %s", organizations, trace.events().size(), START, HORIZON),
                String.format("zone charges: just in time %d, fixed 15-minute window %d, fixed 6-hour window %d,"
                                + " offline optimum %d", justInTime.policy(), quarterHour.policy(), sixHours.policy(),
                        justInTime.optimum()),
                String.format("above optimum: just in time %.1f%%, 15 minutes %.1f%%, 6 hours %.1f%%",
                        justInTime.aboveOptimum(), quarterHour.aboveOptimum(), sixHours.aboveOptimum()),
                "violations: " + (justInTime.violations().size() + quarterHour.violations().size()
                        + sixHours.violations().size()));
        report.forEach(System.out::println);
        Files.write(Path.of("target", "zone-cost-late-returns.txt"), report);

        assertThat(justInTime.violations()).isEmpty();
        assertThat(quarterHour.violations()).isEmpty();
        assertThat(sixHours.violations()).isEmpty();
        assertThat(justInTime.policy()).isLessThanOrEqualTo(quarterHour.policy())
                .isGreaterThanOrEqualTo(justInTime.optimum());
    }

    /** Runs the trace through a fresh topology with {@code monthEnd}, playing the provisioner, and charges it. */
    private Result run(SyntheticTrace trace, ReapPolicy.MonthEnd monthEnd) throws Exception {
        reset(monthEnd);
        usage = trace.usage();
        registryServer = ApicurioRegistry.shared();
        var registry = SchemaRegistries.forTool(registryServer.endpoint().toString());
        var serdes = new ReaperSerdes(AvroSerde.forValues(ClusterLifecycleEvent.class, registry),
                AvroSerde.forValues(OrgDnsState.class, registry), AvroSerde.forValues(OrgClusters.class, registry),
                AvroSerde.forValues(ZoneReapCommand.class, registry), AvroSerde.forValues(AuditEvent.class, registry));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "reaper-simulation");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringExceptionHandler.class);
        ServiceIdentity identity = new ServiceIdentity("reaper-service", "simulation");
        MockProducer<byte[], byte[]> nowhere = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        props.put(DeadLetteringExceptionHandler.REJECTIONS_CONFIG, new DeadLetteringExceptionHandler.Target(
                new Rejections(new DeadLetterPublisher(nowhere, identity, ".dlq", Clock.systemUTC(),
                        new SimpleMeterRegistry()), new AuditPublisher(nowhere, new AvroSerializer<>(registry, false,
                        true), topics.audit(), identity, ServiceClock.of(clock, "simulation clock"))),
                topics.orgDns()));
        ReapPolicy policy = new ReapPolicy(ReapPolicy.ROUTE53_FREE_WINDOW, Duration.ofMinutes(15), monthEnd);
        long started = System.nanoTime();
        try {
            driver = new TopologyTestDriver(RunningClustersTopology.build(topics, serdes, policy, STEP,
                    new LifecycleEventRules("clusters", Duration.ofHours(1)), "simulation", ServiceClock.of(clock, "simulation clock"),
                    Stores::inMemoryKeyValueStore), props, START);
            var keys = Serdes.String();
            lifecycle = driver.createInputTopic(topics.lifecycle(), keys.serializer(), serdes.lifecycle().serializer());
            zonesTopic = driver.createInputTopic(topics.orgDns(), keys.serializer(), serdes.orgDns().serializer());
            reaps = driver.createOutputTopic(topics.reap(), keys.deserializer(), serdes.reap().deserializer());

            for (SyntheticTrace.Event event : trace.events()) {
                advanceTo(event.at());
                executeQueued();
                deliver(event);
            }
            advanceTo(HORIZON);
        } finally {
            if (driver != null) {
                driver.close();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;

        int policyCharges = 0;
        for (Zone zone : allZones) {
            Instant end = zone.deleted == null ? HORIZON : zone.deleted;
            policyCharges += ZoneCharges.charges(zone.created, end);
            checkNotKeptPastTheMonth(zone, end);
        }
        int never = 0;
        int asap = 0;
        int optimum = 0;
        int asapZones = 0;
        for (List<Span> spans : usage.values()) {
            never += ZoneCharges.neverDelete(spans, HORIZON);
            asap += ZoneCharges.deleteAsSoonAsUnused(spans);
            optimum += ZoneCharges.offlineOptimum(spans);
            asapZones += spans.size();
        }
        return new Result(policyCharges, never, asap, optimum, allZones.size(), asapZones, commanded, refused,
                List.copyOf(violations), seconds);
    }

    private void reset(ReapPolicy.MonthEnd runMonthEnd) {
        monthEnd = runMonthEnd;
        liveZones.clear();
        allZones.clear();
        lastLifecycleOffset.clear();
        violations.clear();
        queued.clear();
        lag = new java.util.Random(7);
        wall = START;
        clock.set(START);
        lifecycleOffset = -1;
        commanded = 0;
        refused = 0;
    }

    /**
     * Moves the wall clock on the punctuation grid up to just before {@code until}, executing due reaps. Steps in
     * which no reap falls due are skipped in one move: the punctuation would find nothing, and it fires once for
     * a long move all the same.
     */
    private void advanceTo(Instant until) {
        while (wall.plus(STEP).isBefore(until)) {
            Instant due = earliest(earliestDueReap(), queued.isEmpty() ? null : queued.peekFirst().getKey());
            Instant next = wall.plus(STEP);
            if (due == null || !due.isBefore(until)) {
                long steps = Duration.between(wall, until).minusMillis(1).dividedBy(STEP);
                next = wall.plus(STEP.multipliedBy(Math.max(1, steps)));
            } else if (due.isAfter(next)) {
                next = wall.plus(STEP.multipliedBy(Duration.between(wall, due).dividedBy(STEP)));
            }
            if (next.equals(wall)) {
                next = wall.plus(STEP);
            }
            clock.set(next);
            driver.advanceWallClockTime(Duration.between(wall, next));
            wall = next;
            executeReaps();
        }
    }

    private static Instant earliest(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
    }

    /**
     * The earliest instant a pending reap may be commanded: its due time, or for the month end's, as early as the
     * pacing may bring the first of them (a spacing before the due time for every other one pending).
     */
    private Instant earliestDueReap() {
        KeyValueStore<String, PendingReap> pending = driver.getKeyValueStore(RunningClustersTopology.PENDING_REAPS_STORE);
        long earliest = Long.MAX_VALUE;
        long monthEnds = 0;
        try (KeyValueIterator<String, PendingReap> all = pending.all()) {
            while (all.hasNext()) {
                PendingReap reap = all.next().value;
                earliest = Math.min(earliest, reap.dueAt());
                if (reap.reason() == io.zonekeeper.schemas.ReapReason.MONTH_END && !reap.commanded()) {
                    monthEnds++;
                }
            }
        }
        if (earliest != Long.MAX_VALUE && monthEnds > 1) {
            earliest -= monthEnd.spacing().multipliedBy(monthEnds - 1).toMillis();
        }
        return earliest == Long.MAX_VALUE ? null : Instant.ofEpochMilli(earliest);
    }

    private void deliver(SyntheticTrace.Event event) {
        lifecycle.pipeInput(event.orgId(), ClusterLifecycleEvent.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(event.occurredAt())
                .setOrgId(event.orgId())
                .setOrgName(event.orgName())
                .setClusterId(event.clusterId())
                .setClusterName("c")
                .setStatus(event.status())
                .setCloud("amazon")
                .setRegion("eu-west-1")
                .setKubeconfigVaultPath("clusters/k")
                .build(), event.at());
        lastLifecycleOffset.put(event.orgId(), ++lifecycleOffset);
        boolean using = event.status() == ClusterStatus.PROVISIONING || event.status() == ClusterStatus.RUNNING;
        if (using && !liveZones.containsKey(event.orgId())) {
            // What the provisioner does on such an event: a zone, then its state on org.dns.v1.
            Zone zone = new Zone(event.orgId(), "Z" + allZones.size(), event.at());
            liveZones.put(event.orgId(), zone);
            allZones.add(zone);
            zonesTopic.pipeInput(event.orgId(), OrgDnsState.newBuilder().setOrgId(event.orgId())
                    .setOrgName(event.orgName()).setBaseDomain("example.com").setStatus(OrgDnsStatus.READY)
                    .setZoneName(event.orgName() + ".example.com.").setZoneId(zone.zoneId).setZoneGeneration(1)
                    .setZoneCreatedAt(event.at()).setUpdatedAt(event.at()).build(), event.at());
        }
    }

    /** Takes the commands the topology emitted; the provisioner executes each 0-10 minutes later. */
    private void executeReaps() {
        while (!reaps.isEmpty()) {
            commanded++;
            Instant at = wall.plus(Duration.ofSeconds(lag.nextInt((int) PROVISIONER_LAG.toSeconds())));
            Instant last = queued.isEmpty() ? at : queued.peekLast().getKey();
            queued.addLast(Map.entry(at.isBefore(last) ? last : at, reaps.readValue()));
        }
        executeQueued();
    }

    /** The provisioner's side of a reap: the fence, then the deletion, then the tombstone. */
    private void executeQueued() {
        while (!queued.isEmpty() && !queued.peekFirst().getKey().isAfter(wall)) {
            ZoneReapCommand command = queued.pollFirst().getValue();
            Zone zone = liveZones.get(command.getOrgId());
            long newest = lastLifecycleOffset.getOrDefault(command.getOrgId(), -1L);
            if (zone == null || !zone.zoneId.equals(command.getZoneId())
                    || newest > command.getLifecyclePosition().getOffset()) {
                refused++;
                continue;
            }
            if (inUse(command.getOrgId(), wall)) {
                violations.add("zone " + zone.zoneId + " of " + zone.orgId + " reaped at " + wall + " while in use");
            }
            zone.deleted = wall;
            liveZones.remove(command.getOrgId());
            zonesTopic.pipeInput(command.getOrgId(), null, wall);
        }
    }

    private boolean inUse(String orgId, Instant at) {
        return usage.getOrDefault(orgId, List.of()).stream()
                .anyMatch(span -> !span.start().isAfter(at) && span.end().isAfter(at));
    }

    /**
     * An unused zone goes before the next 1st after it became unused; if it became unused so close to the 1st that
     * the provisioner could not get to it in time, as soon as the command reaches it.
     */
    private void checkNotKeptPastTheMonth(Zone zone, Instant end) {
        Instant lastUse = usage.getOrDefault(zone.orgId, List.of()).stream()
                .filter(span -> span.start().isBefore(end) && span.end().isAfter(zone.created))
                .map(span -> span.end().isBefore(end) ? span.end() : end)
                .max(Instant::compareTo).orElse(zone.created);
        if (!lastUse.isBefore(HORIZON)) {
            return;
        }
        Instant deadline = ReapPolicy.nextMonthStart(lastUse);
        Instant dueAtOnce = lastUse.plus(STEP).plus(PROVISIONER_LAG);
        if (!lastUse.isBefore(deadline.minus(monthEnd.margin())) && dueAtOnce.isAfter(deadline)) {
            deadline = dueAtOnce;
        }
        if (deadline.isAfter(HORIZON)) {
            return;
        }
        if (end.isAfter(deadline)) {
            violations.add("zone " + zone.zoneId + " of " + zone.orgId + " unused since " + lastUse + " still there at "
                    + deadline + " (deleted " + (zone.deleted == null ? "never" : zone.deleted) + ")");
        }
    }
}
