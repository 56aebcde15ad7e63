package io.zonekeeper.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.cert.CertConfig;
import io.zonekeeper.cert.CertService;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.provisioner.ProvisionerConfig;
import io.zonekeeper.provisioner.ProvisionerService;
import io.zonekeeper.reaper.ReaperConfig;
import io.zonekeeper.reaper.ReaperService;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.ResourceType;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The three services together across the calendar's awkward boundaries, each run from a simulated start: the
 * local run's scenario and settings, its embedded dependencies, and the services started from the same
 * environment maps their child JVMs get, here in this JVM for speed (a faster clock than the local run's, so five
 * boundaries take minutes). Whatever the date the suite runs on, each case must show the 12-hour rule, the
 * month-end rule as the calendar has it, a zone kept because a cluster came back, and a renewal.
 */
class AcrossBoundariesTest {

    /** 17 hours of scenario in about 35 seconds; the services keep up on two cores (a teardown takes ~0.3 s). */
    private static final double RATE = 1800;
    /** In-process start-up is quick, but the clock must not reach the scenario before the services listen. */
    private static final Duration STARTUP = Duration.ofSeconds(20);

    private final List<AutoCloseable> running = new ArrayList<>();

    @AfterEach
    void stop() {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                // stopping anyway
            }
        }
    }

    @ParameterizedTest(name = "from {0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "2027-01-31T08:00:00Z | the last hours of a 31-day month",
            "2027-02-28T08:00:00Z | 28 February of a year that is not a leap year",
            "2028-02-29T08:00:00Z | 29 February of a leap year",
            "2026-12-31T08:00:00Z | 31 December into 1 January",
            "2027-01-02T05:00:00Z | the 2nd of a 31-day month: paid-for zones wait for the 31st"})
    @Timeout(300)
    void theScenarioShowsEveryRuleAcross(Instant start, String boundary) throws Exception {
        Dependencies dependencies = Dependencies.start(what -> { });
        running.add(dependencies);
        Instant now = Instant.now();
        Timeline timeline = Timeline.simulated(start, RATE, now, now.plus(STARTUP));
        ScenarioDriver driver = new ScenarioDriver(dependencies, 4, 2, timeline, 7);
        driver.prepare(dependencies);

        Map<String, Map<String, String>> environments = LocalRun.serviceEnvironments(dependencies, timeline);
        ProvisionerService provisioner = start(environments.get("provisioner-service"),
                env -> ProvisionerService.start(ProvisionerConfig.read(env), ServiceClock.read(env)));
        CertService cert = start(environments.get("cert-service"),
                env -> CertService.start(CertConfig.read(env), ServiceClock.read(env)));
        ReaperService reaper = start(environments.get("reaper-service"),
                env -> ReaperService.start(ReaperConfig.read(env), ServiceClock.read(env)));
        await().atMost(STARTUP).until(() -> reaper.state() == KafkaStreams.State.RUNNING && cert.ownsPartitions()
                && groupStable(dependencies, "zonekeeper-provisioner"));
        assertThat(timeline.clock().now()).as("services ready before the scenario starts").isBefore(start);
        assertThat(provisioner.opsPort()).isPositive();

        LiveView view = new LiveView(dependencies, new PrintStream(OutputStream.nullOutputStream()), false, () -> "")
                .start();
        running.add(view);
        Thread scenario = new Thread(driver, "scenario-driver");
        scenario.setDaemon(true);
        scenario.start();
        running.add(scenario::interrupt);

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() ->
                driver.done() == driver.steps() && timeline.clock().now().isAfter(driver.end())
                        && count(view, AuditAction.DELETED, ResourceType.HOSTED_ZONE) >= 1
                        && count(view, AuditAction.RENEWED, ResourceType.CERTIFICATE) >= 1);
        // Whatever the provisioner still had in hand when the scenario ended (a teardown a few hundred ms long).
        Thread.sleep(timeline.clock().realTime(Duration.ofMinutes(30)).toMillis() + 1000);
        new ScenarioOutcome(view.auditEvents(), dependencies.route53, timeline, ScenarioDriver.orgId(3),
                ScenarioDriver.orgId(2), ScenarioDriver.orgId(1)).assertShown();
    }

    private <S extends AutoCloseable> S start(Map<String, String> environment, Function<EnvReader, S> start) {
        Map<String, String> env = new HashMap<>(environment);
        env.put("HTTP_PORT", "0");
        S service = start.apply(new EnvReader(env));
        running.add(service);
        return service;
    }

    private static boolean groupStable(Dependencies dependencies, String group) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, dependencies.kafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group).groupState() == GroupState.STABLE;
        }
    }

    private static long count(LiveView view, AuditAction action, ResourceType type) {
        return view.auditEvents().stream().filter(e -> e.getAction() == action && e.getResourceType() == type)
                .count();
    }
}
