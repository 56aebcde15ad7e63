package io.zonekeeper.reaper;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.dlq.Rejections;
import io.zonekeeper.common.events.LifecycleEventRules;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerde;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.AuditOutcome;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ReapReason;
import io.zonekeeper.schemas.ResourceType;
import io.zonekeeper.schemas.ZoneReapCommand;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import io.zonekeeper.testkit.time.SettableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RunningClustersTopologyTest {

    private ApicurioRegistry registryServer;
    private static final Instant START = Instant.parse("2026-03-10T08:00:00Z");
    private final ReaperConfig.Topics topics = ReaperConfig.Topics.defaults();
    private final ReapPolicy policy = new ReapPolicy(Duration.ofHours(12), Duration.ofMinutes(15),
            ReapPolicy.MonthEnd.fixedWindow(Duration.ofHours(6)));
    /** Just in time, with a teardown of 10 minutes a zone, so the pacing shows at a 1-minute punctuation. */
    private static final ReapPolicy JUST_IN_TIME = new ReapPolicy(Duration.ofHours(12), Duration.ofMinutes(15),
            new ReapPolicy.MonthEnd(Duration.ofMinutes(15), Duration.ofMinutes(10)));
    private final MockProducer<byte[], byte[]> deadLetters =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    /** Where the rejections' audit events go (the real service writes both with one producer). */
    private final MockProducer<byte[], byte[]> rejectionAudits =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private SchemaRegistryClient registry;
    private TopologyTestDriver driver;
    private Instant wall = START;
    /** The reaper's clock, moved with the driver's wall clock: decisions read it, punctuation follows the wall. */
    private final SettableClock clock = new SettableClock(START);
    private TestInputTopic<String, ClusterLifecycleEvent> lifecycle;
    private TestInputTopic<String, OrgDnsState> zones;
    private TestOutputTopic<String, OrgClusters> orgClusters;
    private TestOutputTopic<String, ZoneReapCommand> reaps;
    private TestOutputTopic<String, AuditEvent> audits;

    @BeforeEach
    void start() {
        start(policy);
    }

    private void start(ReapPolicy policy) {
        start(policy, Stores::persistentKeyValueStore);
    }

    /** With other stores: the driver commits after every record, which RocksDB flushes to disk each time. */
    private void start(ReapPolicy policy, Function<String, KeyValueBytesStoreSupplier> stores) {
        registryServer = ApicurioRegistry.shared();
        registry = SchemaRegistries.forTool(registryServer.endpoint().toString());
        var serdes = new ReaperSerdes(AvroSerde.forValues(ClusterLifecycleEvent.class, registry),
                AvroSerde.forValues(OrgDnsState.class, registry), AvroSerde.forValues(OrgClusters.class, registry),
                AvroSerde.forValues(ZoneReapCommand.class, registry), AvroSerde.forValues(AuditEvent.class, registry));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "reaper-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringExceptionHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringExceptionHandler.class);
        ServiceIdentity identity = new ServiceIdentity("reaper-service", "test");
        props.put(DeadLetteringExceptionHandler.REJECTIONS_CONFIG, new DeadLetteringExceptionHandler.Target(
                new Rejections(new DeadLetterPublisher(deadLetters, identity, ".dlq", Clock.systemUTC(),
                        new SimpleMeterRegistry()), new AuditPublisher(rejectionAudits,
                        new AvroSerializer<>(registry, false, true), topics.audit(), identity,
                        ServiceClock.of(clock, "test clock"))), topics.orgDns()));
        driver = new TopologyTestDriver(RunningClustersTopology.build(topics, serdes, policy, Duration.ofMinutes(1),
                new LifecycleEventRules("clusters", Duration.ofHours(1)), "test", ServiceClock.of(clock, "test clock"), stores), props, START);
        var keys = Serdes.String();
        lifecycle = driver.createInputTopic(topics.lifecycle(), keys.serializer(), serdes.lifecycle().serializer());
        zones = driver.createInputTopic(topics.orgDns(), keys.serializer(), serdes.orgDns().serializer());
        orgClusters = driver.createOutputTopic(topics.orgClusters(), keys.deserializer(), serdes.orgClusters().deserializer());
        reaps = driver.createOutputTopic(topics.reap(), keys.deserializer(), serdes.reap().deserializer());
        audits = driver.createOutputTopic(topics.audit(), keys.deserializer(), serdes.audit().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void countsTheClustersUsingEachOrganizationsZone() {
        event("org-1", "c-1", ClusterStatus.PROVISIONING, START);
        event("org-1", "c-2", ClusterStatus.RUNNING, START.plusSeconds(1));
        event("org-1", "c-1", ClusterStatus.RUNNING, START.plusSeconds(2));
        event("org-1", "c-2", ClusterStatus.STOPPED, START.plusSeconds(3));

        List<OrgClusters> published = orgClusters.readValuesToList();
        assertThat(published).extracting(OrgClusters::getRunningClusters).containsExactly(1, 2, 1);
        assertThat(published.get(2).getClusterIds()).containsExactly("c-1");
        assertThat(published.get(2).getLastChangedAt()).isEqualTo(START.plusSeconds(3));
    }

    @Test
    void anOlderEventForAClusterChangesNothingAndDuplicatesAreHarmless() {
        event("org-1", "c-1", ClusterStatus.RUNNING, START);
        event("org-1", "c-1", ClusterStatus.STOPPED, START.plusSeconds(10));
        event("org-1", "c-1", ClusterStatus.RUNNING, START.plusSeconds(5));
        event("org-1", "c-1", ClusterStatus.STOPPED, START.plusSeconds(10));

        assertThat(orgClusters.readValuesToList()).extracting(OrgClusters::getRunningClusters).containsExactly(1, 0);
    }

    @Test
    void aYoungUnusedZoneIsCommandedAtOnceWithTheLifecyclePositionOfTheDecision() {
        zone("org-1", "Z1", START);
        event("org-1", "c-1", ClusterStatus.RUNNING, START.plusSeconds(60));
        long stoppedOffset = 1;
        event("org-1", "c-1", ClusterStatus.STOPPED, START.plus(Duration.ofHours(2)));

        // The wall clock catches up with the event's time; the next punctuation commands it.
        advance(Duration.ofHours(2).plusMinutes(1));

        ZoneReapCommand command = reaps.readValue();
        assertThat(command.getZoneId()).isEqualTo("Z1");
        assertThat(command.getReason()).isEqualTo(ReapReason.FREE_WINDOW);
        assertThat(command.getLifecyclePosition().getOffset()).isEqualTo(stoppedOffset);
        assertThat(command.getDueAt()).isEqualTo(START.plus(Duration.ofHours(2)));
        assertThat(actions()).containsExactly(AuditAction.REAP_SCHEDULED, AuditAction.REAP_COMMANDED);
    }

    @Test
    void anOldZoneWaitsForTheMonthEndWindowBeforeItIsCommanded() {
        zone("org-1", "Z1", START);
        event("org-1", "c-1", ClusterStatus.RUNNING, START.plusSeconds(60));
        event("org-1", "c-1", ClusterStatus.STOPPED, START.plus(Duration.ofDays(2)));

        advance(Duration.between(wall, Instant.parse("2026-03-31T17:59:00Z")));
        assertThat(reaps.isEmpty()).isTrue();
        assertThat(orgClusters.readValuesToList()).last().satisfies(o -> assertThat(o.getPendingReapAt())
                .isEqualTo(Instant.parse("2026-03-31T18:00:00Z")));

        advance(Duration.ofMinutes(2));
        assertThat(reaps.readValue().getReason()).isEqualTo(ReapReason.MONTH_END);
    }

    @Test
    void theMonthEndsReapsArePacedLongestUnusedFirstSoTheLastGoesJustInTimeAndAReturningOrganizationKeepsItsZone() {
        stop();
        start(JUST_IN_TIME);
        for (int org = 1; org <= 4; org++) {
            zone("org-" + org, "Z" + org, START);
            event("org-" + org, "c-" + org, ClusterStatus.RUNNING, START.plusSeconds(60));
        }
        // Unused since the 12th, 13th, 14th and 15th.
        for (int org = 1; org <= 4; org++) {
            event("org-" + org, "c-" + org, ClusterStatus.STOPPED, START.plus(Duration.ofDays(1 + org)));
        }

        // Four zones, 10 minutes apart, the last at 23:45: the first at 23:15.
        advance(Duration.between(wall, Instant.parse("2026-03-31T23:14:00Z")));
        assertThat(reaps.isEmpty()).isTrue();
        advance(Duration.ofMinutes(2));
        assertThat(reaps.readValuesToList()).extracting(ZoneReapCommand::getOrgId).containsExactly("org-1");
        // org-3 comes back before its turn: it keeps its zone, and org-2, one of two left, moves to 23:35.
        event("org-3", "c-3", ClusterStatus.RUNNING, Instant.parse("2026-03-31T23:20:00Z"));
        advance(Duration.between(wall, Instant.parse("2026-03-31T23:34:00Z")));
        assertThat(reaps.isEmpty()).as("org-2 now goes at 23:35").isTrue();
        advance(Duration.ofMinutes(2));
        assertThat(reaps.readValuesToList()).extracting(ZoneReapCommand::getOrgId).containsExactly("org-2");
        advance(Duration.between(wall, Instant.parse("2026-03-31T23:46:00Z")));
        assertThat(reaps.readValuesToList()).extracting(ZoneReapCommand::getOrgId).containsExactly("org-4");
        advance(Duration.ofHours(2));
        assertThat(reaps.readValuesToList()).extracting(ZoneReapCommand::getOrgId).as("org-3 uses its zone")
                .doesNotContain("org-3");
    }

    @Test
    void eachAccountOfThePoolIsPacedOnItsOwnSoTwoAccountsTearDownSideBySide() {
        stop();
        start(JUST_IN_TIME);
        // Four zones, two in each account of the provisioner's pool, unused since the 12th to the 15th.
        for (int org = 1; org <= 4; org++) {
            zone("org-" + org, "Z" + org, START, org % 2 == 1 ? "210987654321" : "310987654321");
            event("org-" + org, "c-" + org, ClusterStatus.RUNNING, START.plusSeconds(60));
        }
        for (int org = 1; org <= 4; org++) {
            event("org-" + org, "c-" + org, ClusterStatus.STOPPED, START.plus(Duration.ofDays(1 + org)));
        }

        // Two zones per account, 10 minutes apart, the last at 23:45: each account's first at 23:35, not 23:15.
        advance(Duration.between(wall, Instant.parse("2026-03-31T23:34:00Z")));
        assertThat(reaps.isEmpty()).isTrue();
        advance(Duration.ofMinutes(2));
        assertThat(reaps.readValuesToList()).extracting(ZoneReapCommand::getOrgId)
                .containsExactlyInAnyOrder("org-1", "org-2");
        advance(Duration.between(wall, Instant.parse("2026-03-31T23:46:00Z")));
        assertThat(reaps.readValuesToList()).extracting(ZoneReapCommand::getOrgId)
                .containsExactlyInAnyOrder("org-3", "org-4");
    }

    @Test
    void tenThousandZonesDueAtOneMonthEndAreAllCommandedBeforeTheMarginAndNeverFasterThanTheProvisionersRate() {
        // 10,000 zones over 12 lifecycle partitions: this task holds 834 of them. The provisioner's production
        // rates (5 Route53 calls a zone at 5/s, its half of the account's bucket) give a zone a second, so each of
        // the 12 tasks commands one every 12 seconds.
        var production = ReapPolicy.MonthEnd.justInTime(Duration.ofMinutes(15), 10 * 0.5, 10, 12);
        stop();
        start(new ReapPolicy(Duration.ofHours(12), Duration.ofMinutes(15), production), Stores::inMemoryKeyValueStore);
        int zonesInTask = 834;
        for (int org = 0; org < zonesInTask; org++) {
            // Made the day before, so unused two hours later they are paid for: month-end reaps.
            zone("org-" + org, "Z" + org, START.minus(Duration.ofDays(1)));
            event("org-" + org, "c-" + org, ClusterStatus.RUNNING, START.plusSeconds(60));
            event("org-" + org, "c-" + org, ClusterStatus.STOPPED, START.plus(Duration.ofHours(2)).plusSeconds(org));
        }
        Instant monthStart = Instant.parse("2026-04-01T00:00:00Z");
        Map<String, Instant> firstCommanded = monthEndCommands(monthStart, new ArrayList<>());
        List<Instant> commandedAt = List.copyOf(firstCommanded.values());
        assertThat(commandedAt).hasSize(zonesInTask);
        assertThat(firstCommanded.keySet()).as("longest unused first").startsWith("org-0", "org-1", "org-2");
        Instant first = commandedAt.get(0);
        Instant last = commandedAt.get(commandedAt.size() - 1);
        System.out.println("month end of " + zonesInTask + " zones in one of 12 tasks: first commanded " + first
                + ", last " + last + ", before the 1st by " + Duration.between(first, monthStart) + " and "
                + Duration.between(last, monthStart));
        assertThat(Duration.between(first, monthStart)).as("starts about 3 hours before the 1st")
                .isBetween(Duration.ofHours(3), Duration.ofHours(3).plusMinutes(2));
        assertThat(last).as("the last at the margin").isEqualTo(monthStart.minus(Duration.ofMinutes(15)));
        // Never faster than the task's share of the provisioner's rate: in any minute, at most 5 of its commands.
        for (int i = 5; i < commandedAt.size(); i++) {
            assertThat(Duration.between(commandedAt.get(i - 5), commandedAt.get(i)))
                    .isGreaterThanOrEqualTo(Duration.ofMinutes(1));
        }
    }

    /**
     * A month end of 100,000 unused zones over a pool of 20 accounts (5,000 each: IAM's users per account), as one of
     * 12 tasks holds it: 8,334 zones, 417 in each account, in RocksDB stores as in production. Each account's
     * teardowns are paced at the provisioner's rate in that account, so the accounts go side by side and the month
     * end takes as long as one account's share, not the pool's. Run on demand (BENCHMARKS.md):
     * {@code ./mvnw -B -pl reaper-service test -Dsurefire.excludedGroups= -Dtest='RunningClustersTopologyTest#aHundred*'}.
     */
    @Test
    @Tag("benchmark")
    void aHundredThousandZonesOverTwentyAccountsAreAllCommandedBeforeTheFirst() {
        int accounts = 20;
        int zonesInTask = (100_000 + 11) / 12;
        var production = ReapPolicy.MonthEnd.justInTime(Duration.ofMinutes(15), 10 * 0.5, 10, 12);
        stop();
        start(new ReapPolicy(Duration.ofHours(12), Duration.ofMinutes(15), production));
        for (int org = 0; org < zonesInTask; org++) {
            zone("org-" + org, "Z" + org, START.minus(Duration.ofDays(1)), account(org % accounts));
            event("org-" + org, "c-" + org, ClusterStatus.RUNNING, START.plusSeconds(60));
            event("org-" + org, "c-" + org, ClusterStatus.STOPPED, START.plus(Duration.ofHours(2)).plusSeconds(org));
        }
        Instant monthStart = Instant.parse("2026-04-01T00:00:00Z");
        List<Long> punctuationMillis = new ArrayList<>();
        Map<String, Instant> firstCommanded = monthEndCommands(monthStart, punctuationMillis);
        assertThat(firstCommanded).hasSize(zonesInTask);
        Map<String, List<Instant>> byAccount = new TreeMap<>();
        firstCommanded.forEach((orgId, at) -> byAccount.computeIfAbsent(
                account(Integer.parseInt(orgId.substring(4)) % accounts), a -> new ArrayList<>()).add(at));
        byAccount.forEach((account, times) -> {
            assertThat(times).as(account).hasSizeBetween(zonesInTask / accounts, zonesInTask / accounts + 1)
                    .allMatch(at -> !at.isAfter(monthStart.minus(Duration.ofMinutes(15))));
        });
        Instant first = firstCommanded.values().stream().min(Instant::compareTo).orElseThrow();
        Instant last = firstCommanded.values().stream().max(Instant::compareTo).orElseThrow();
        List<Long> sorted = punctuationMillis.stream().sorted().toList();
        System.out.println("MONTH END of " + zonesInTask + " zones in one of 12 tasks over " + accounts
                + " accounts: first commanded " + Duration.between(first, monthStart) + " before the 1st, last "
                + Duration.between(last, monthStart) + " before; each account " + byAccount.values().iterator().next()
                .size() + " zones; a minute's punctuation took " + sorted.get(sorted.size() / 2) + " ms (median), "
                + sorted.get(sorted.size() - 1) + " ms (longest)");
    }

    /**
     * From four hours before {@code monthStart} (nothing commanded yet) to it, a minute at a time: when each
     * organization's first reap command went (no provisioner reports the zones gone here, so each is commanded again
     * after an hour), and how long each minute's punctuation took, into {@code punctuationMillis}.
     */
    private Map<String, Instant> monthEndCommands(Instant monthStart, List<Long> punctuationMillis) {
        advance(Duration.between(wall, monthStart.minus(Duration.ofHours(4))));
        assertThat(reaps.isEmpty()).isTrue();
        Map<String, Instant> firstCommanded = new LinkedHashMap<>();
        while (wall.isBefore(monthStart)) {
            long started = System.nanoTime();
            advance(Duration.ofMinutes(1));
            punctuationMillis.add((System.nanoTime() - started) / 1_000_000);
            reaps.readValuesToList().forEach(command -> firstCommanded.putIfAbsent(command.getOrgId(), wall));
        }
        return firstCommanded;
    }

    private static String account(int index) {
        return Long.toString(100_000_000_000L + index);
    }

    @Test
    void aClusterArrivingWhileAReapIsPendingCancelsIt() {
        zone("org-1", "Z1", START);
        event("org-1", "c-1", ClusterStatus.RUNNING, START.plusSeconds(60));
        event("org-1", "c-1", ClusterStatus.STOPPED, START.plus(Duration.ofDays(2)));
        event("org-1", "c-2", ClusterStatus.PROVISIONING, START.plus(Duration.ofDays(3)));

        advance(Duration.ofDays(40));

        assertThat(reaps.isEmpty()).isTrue();
        assertThat(actions()).containsExactly(AuditAction.REAP_SCHEDULED, AuditAction.REAP_CANCELLED);
    }

    @Test
    void laterEventsOfAnUnusedOrganizationMoveThePositionButNotTheDecision() {
        zone("org-1", "Z1", START.minus(Duration.ofDays(5)));
        event("org-1", "c-1", ClusterStatus.RUNNING, START.plusSeconds(60));
        event("org-1", "c-1", ClusterStatus.STOPPED, START.plus(Duration.ofHours(1)));
        // Another cluster that never ran reports an error while the reap is pending.
        event("org-1", "c-9", ClusterStatus.ERROR, START.plus(Duration.ofHours(2)));

        advance(Duration.ofDays(30));

        ZoneReapCommand command = reaps.readValue();
        assertThat(command.getReason()).isEqualTo(ReapReason.MONTH_END);
        assertThat(command.getDecidedAt()).isEqualTo(START.plus(Duration.ofHours(1)));
        assertThat(command.getLifecyclePosition().getOffset()).as("the newest event considered").isEqualTo(2);
    }

    /**
     * Found by the cost simulation: the provisioner refuses a command once it has seen a newer event of the
     * organization, and a newer event that changes nothing here (a duplicate) used to leave the zone for ever.
     */
    @Test
    void aRefusedCommandIsCommandedAgainWithTheNewerPositionUntilTheZoneIsGone() {
        zone("org-1", "Z1", START.minus(Duration.ofDays(5)));
        event("org-1", "c-1", ClusterStatus.RUNNING, START.plusSeconds(60));
        event("org-1", "c-1", ClusterStatus.STOPPED, START.plus(Duration.ofHours(1)));
        advance(Duration.between(wall, Instant.parse("2026-03-31T18:01:00Z")));
        assertThat(reaps.readValue().getLifecyclePosition().getOffset()).isEqualTo(1);

        // The STOPPED event delivered again: the provisioner will refuse the command at offset 1.
        lifecycle.pipeInput("org-1", event("org-1", "acme", "c-1", ClusterStatus.STOPPED,
                START.plus(Duration.ofHours(1))), wall);
        advance(Duration.ofMinutes(1));
        assertThat(reaps.readValue().getLifecyclePosition().getOffset()).as("commanded again, newer position")
                .isEqualTo(2);

        advance(Duration.ofMinutes(30));
        assertThat(reaps.isEmpty()).as("a command is given time to be executed").isTrue();
        advance(Duration.ofMinutes(31));
        assertThat(reaps.readValue().getLifecyclePosition().getOffset()).as("still there after an hour: again")
                .isEqualTo(2);

        zones.pipeInput("org-1", null, wall);
        assertThat(orgClusters.readValuesToList()).last().satisfies(o -> assertThat(o.getPendingReapAt())
                .as("the table no longer shows a reap once the zone is gone").isNull());
        advance(Duration.ofHours(2));
        assertThat(reaps.isEmpty()).isTrue();
        assertThat(actions()).containsExactly(AuditAction.REAP_SCHEDULED, AuditAction.REAP_COMMANDED,
                AuditAction.REAP_COMMANDED, AuditAction.REAP_COMMANDED);
    }

    /** A reap is not done until the zone is gone: a teardown that stalls in DELETING is commanded again. */
    @Test
    void aTeardownStuckInDeletingKeepsItsReapUntilTheZoneIsDeleted() {
        zone("org-1", "Z1", START);
        event("org-1", "c-1", ClusterStatus.RUNNING, START.plusSeconds(60));
        event("org-1", "c-1", ClusterStatus.STOPPED, START.plus(Duration.ofHours(1)));
        advance(Duration.ofMinutes(1));
        assertThat(reaps.readValue().getZoneId()).isEqualTo("Z1");

        zones.pipeInput("org-1", state("Z1", OrgDnsStatus.DELETING), wall);
        advance(Duration.ofMinutes(61));
        assertThat(reaps.readValue().getZoneId()).as("still DELETING an hour later: commanded again").isEqualTo("Z1");
        assertThat(orgClusters.readValuesToList()).last().satisfies(o -> assertThat(o.getPendingReapAt()).isNotNull());

        zones.pipeInput("org-1", state("Z1", OrgDnsStatus.DELETED), wall);
        assertThat(orgClusters.readValuesToList()).last().satisfies(o -> assertThat(o.getPendingReapAt()).isNull());
        advance(Duration.ofHours(2));
        assertThat(reaps.isEmpty()).isTrue();
    }

    /** The free window ends at 12 hours minus the 15-minute margin: 11:44 old goes now, 11:46 and later waits. */
    @ParameterizedTest
    @CsvSource({"704, FREE_WINDOW, 0", "706, MONTH_END, -1", "719, MONTH_END, -1", "721, MONTH_END, -1"})
    void theFreeWindowBoundaryThroughTheTopology(long ageMinutes, ReapReason reason, long dueAfterUnusedMinutes) {
        Instant created = START;
        zone("org-1", "Z1", created);
        event("org-1", "c-1", ClusterStatus.RUNNING, created.plusSeconds(30));
        Instant unused = created.plus(Duration.ofMinutes(ageMinutes));
        event("org-1", "c-1", ClusterStatus.STOPPED, unused);
        advance(Duration.ofMinutes(2));
        if (dueAfterUnusedMinutes >= 0) {
            ZoneReapCommand command = reaps.readValue();
            assertThat(command.getReason()).isEqualTo(reason);
            assertThat(command.getDueAt()).isEqualTo(unused);
        } else {
            assertThat(reaps.isEmpty()).isTrue();
            assertThat(orgClusters.readValuesToList()).last().satisfies(o -> assertThat(o.getPendingReapAt())
                    .isEqualTo(Instant.parse("2026-03-31T18:00:00Z")));
        }
    }

    @Test
    void anOldZoneUnusedInTheLastMinutesOfTheMonthIsCommandedAtOnce() {
        zone("org-1", "Z1", START.minus(Duration.ofDays(40)));
        event("org-1", "c-1", ClusterStatus.RUNNING, START);
        Instant unused = Instant.parse("2026-03-31T23:50:00Z");
        event("org-1", "c-1", ClusterStatus.STOPPED, unused);
        advance(Duration.ofMinutes(1));
        ZoneReapCommand command = reaps.readValue();
        assertThat(command.getReason()).isEqualTo(ReapReason.MONTH_END);
        assertThat(command.getDueAt()).isEqualTo(unused);
    }

    @Test
    void aZoneCreatedOnTheLastDayOfAMonth() {
        // Created at 20:00 on the 31st and unused two hours later: still free, gone at once.
        Instant created = Instant.parse("2026-03-31T20:00:00Z");
        zone("org-1", "Z1", created);
        event("org-1", "c-1", ClusterStatus.RUNNING, created.plusSeconds(60));
        event("org-1", "c-1", ClusterStatus.STOPPED, created.plus(Duration.ofHours(2)));
        advance(Duration.ofMinutes(1));
        assertThat(reaps.readValue().getReason()).isEqualTo(ReapReason.FREE_WINDOW);
        zones.pipeInput("org-1", null, wall); // the provisioner deleted it

        // Created at 10:00 on the 31st and unused after midnight, 14.5 hours later: charged for April already,
        // so it stays until April's month-end window.
        zone("org-2", "Z2", Instant.parse("2026-03-31T10:00:00Z"));
        event("org-2", "c-2", ClusterStatus.RUNNING, Instant.parse("2026-03-31T22:01:00Z"));
        event("org-2", "c-2", ClusterStatus.STOPPED, Instant.parse("2026-04-01T00:30:00Z"));
        advance(Duration.ofMinutes(5));
        assertThat(reaps.isEmpty()).isTrue();
        assertThat(orgClusters.readValuesToList()).last().satisfies(o -> assertThat(o.getPendingReapAt())
                .isEqualTo(Instant.parse("2026-04-30T18:00:00Z")));
    }

    @Test
    void flappingClustersLeaveAtMostOnePendingReap() {
        zone("org-1", "Z1", START.minus(Duration.ofDays(5)));
        for (int i = 0; i < 10; i++) {
            event("org-1", "c-1", ClusterStatus.RUNNING, START.plusSeconds(i * 20L));
            event("org-1", "c-1", ClusterStatus.STOPPED, START.plusSeconds(i * 20L + 10));
        }
        advance(Duration.ofDays(30));
        assertThat(reaps.readValuesToList()).hasSize(1);
    }

    @Test
    void aZoneThatBecomesReadyAfterItsClustersWentAwayIsScheduled() {
        event("org-1", "c-1", ClusterStatus.PROVISIONING, START);
        event("org-1", "c-1", ClusterStatus.ERROR, START.plusSeconds(30));
        zone("org-1", "Z1", START.plusSeconds(10));

        advance(Duration.ofMinutes(1));

        assertThat(reaps.readValue().getReason()).isEqualTo(ReapReason.FREE_WINDOW);
    }

    @Test
    void badRecordsAreDeadLetteredWithTheirReasonAndTheTopologyGoesOn() {
        lifecycle.pipeInput("org-1", event("org-1", "Not.A.Label", "c-1", ClusterStatus.RUNNING, START), START);
        lifecycle.pipeInput("org-2", event("org-1", "acme", "c-1", ClusterStatus.RUNNING, START), START);
        lifecycle.pipeInput("org-1", event("org-1", "acme", "c/1", ClusterStatus.RUNNING, START), START);
        lifecycle.pipeInput("org-1", event("org-1", "acme", "c-1", ClusterStatus.RUNNING,
                START.plus(Duration.ofDays(30))), START);
        driver.createInputTopic(topics.lifecycle(), new ByteArraySerializer(), new ByteArraySerializer())
                .pipeInput("org-1".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        "not avro".getBytes(java.nio.charset.StandardCharsets.UTF_8), START);
        event("org-1", "c-1", ClusterStatus.RUNNING, START);

        assertThat(orgClusters.readValuesToList()).extracting(OrgClusters::getRunningClusters).containsExactly(1);
        assertThat(deadLetters.history()).hasSize(5).allSatisfy(r -> assertThat(r.topic())
                .isEqualTo(topics.lifecycle() + ".dlq"));
        assertThat(deadLetters.history()).extracting(r -> new String(r.headers().lastHeader(DeadLetterPublisher.REASON)
                .value(), java.nio.charset.StandardCharsets.UTF_8))
                .anySatisfy(r -> assertThat(r).contains("not a single DNS label"))
                .anySatisfy(r -> assertThat(r).contains("is not the event's orgId"))
                .anySatisfy(r -> assertThat(r).contains("cluster id 'c/1' is unusable"))
                .anySatisfy(r -> assertThat(r).contains("occurredAt:"))
                .anySatisfy(r -> assertThat(r).contains("undecodable record"));
        assertThat(deadLetters.history().get(4).value()).isEqualTo("not avro".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        // Each rejection is audited, as the other services audit theirs, for the dashboards reading the audit topic.
        var auditEvents = new AvroDeserializer<>(AuditEvent.class, registry);
        assertThat(rejectionAudits.history()).hasSize(5).allSatisfy(r -> {
            assertThat(r.topic()).isEqualTo(topics.audit());
            AuditEvent audit = auditEvents.deserialize(r.topic(), r.value());
            assertThat(audit.getAction()).isEqualTo(AuditAction.REJECTED);
            assertThat(audit.getOutcome()).isEqualTo(AuditOutcome.REFUSED);
            assertThat(audit.getResourceType()).isEqualTo(ResourceType.LIFECYCLE_EVENT);
            assertThat(audit.getService()).isEqualTo("reaper-service");
        });
    }

    /** Events are sent when they happen: the wall clock first catches up with the event's time. */
    private void event(String orgId, String clusterId, ClusterStatus status, Instant at) {
        if (at.isAfter(wall)) {
            advance(Duration.between(wall, at));
        }
        lifecycle.pipeInput(orgId, event(orgId, "acme", clusterId, status, at), at);
    }

    private void advance(Duration duration) {
        clock.advance(duration);
        driver.advanceWallClockTime(duration);
        wall = wall.plus(duration);
    }

    private static ClusterLifecycleEvent event(String orgId, String orgName, String clusterId, ClusterStatus status,
                                               Instant at) {
        return ClusterLifecycleEvent.newBuilder()
                .setEventId(UUID.randomUUID()).setOccurredAt(at).setOrgId(orgId).setOrgName(orgName)
                .setClusterId(clusterId).setClusterName("c").setStatus(status).setCloud("amazon")
                .setRegion("eu-west-1").setKubeconfigVaultPath("clusters/k").build();
    }

    private void zone(String orgId, String zoneId, Instant createdAt) {
        zone(orgId, zoneId, createdAt, null);
    }

    /** {@code account}: the AWS account of the provisioner's pool the zone is in (null: its own). */
    private void zone(String orgId, String zoneId, Instant createdAt, String account) {
        zones.pipeInput(orgId, OrgDnsState.newBuilder()
                .setOrgId(orgId).setOrgName("acme").setBaseDomain("example.com").setStatus(OrgDnsStatus.READY)
                .setZoneName("acme.example.com.").setZoneId(zoneId).setZoneGeneration(1).setZoneCreatedAt(createdAt)
                .setAwsAccount(account).setUpdatedAt(createdAt).build(), createdAt);
    }

    private OrgDnsState state(String zoneId, OrgDnsStatus status) {
        return OrgDnsState.newBuilder().setOrgId("org-1").setOrgName("acme").setBaseDomain("example.com")
                .setStatus(status).setZoneName("acme.example.com.").setZoneId(zoneId).setZoneGeneration(1)
                .setZoneCreatedAt(START).setUpdatedAt(wall).build();
    }

    private List<AuditAction> actions() {
        return audits.readValuesToList().stream().map(AuditEvent::getAction).toList();
    }
}
