package io.zonekeeper.local;

import io.zonekeeper.common.kafka.TopicNames;
import io.zonekeeper.testkit.FreePort;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * How long a crash stalls a service's partitions: two instances as processes on the in-process broker, one SIGKILLed
 * and started again at once (as a pod's container restarts), timed from the kill until the group is stable with every
 * partition assigned and none to the dead member, and until the restarted instance's {@code /ready} answers 200.
 * Run on demand: {@code ./mvnw -B -pl local-run test -Dsurefire.excludedGroups= -Dtest=RestartStallBenchmark};
 * results go to BENCHMARKS.md by hand.
 */
@Tag("benchmark")
class RestartStallBenchmark {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int ROUNDS = 3;

    @Test
    void provisionerWithTheDefaultAndAShortSessionTimeout() throws Exception {
        measure("provisioner-service", "io.zonekeeper.provisioner.Main", TopicNames.Consumer.PROVISIONER.group(),
                Map.of("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "45000"), "session 45 s (Kafka's default)");
        measure("provisioner-service", "io.zonekeeper.provisioner.Main", TopicNames.Consumer.PROVISIONER.group(),
                Map.of(), "session 10 s (Zonekeeper's default)");
    }

    @Test
    void reaperWithAndWithoutStaticMembership() throws Exception {
        measure("reaper-service", "io.zonekeeper.reaper.Main", TopicNames.Consumer.REAPER.group(), Map.of(),
                "dynamic membership");
        measure("reaper-service", "io.zonekeeper.reaper.Main", TopicNames.Consumer.REAPER.group(),
                Map.of("GROUP_INSTANCE_ID", "static"), "static membership (GROUP_INSTANCE_ID)");
    }

    private void measure(String service, String main, String group, Map<String, String> extra, String variant)
            throws Exception {
        Path logDir = Files.createTempDirectory("zonekeeper-restart");
        List<ServiceProcess> instances = new ArrayList<>();
        try (Dependencies dependencies = Dependencies.start(progress -> { })) {
            Map<String, String> base = LocalRun.serviceEnvironments(dependencies, Timeline.realTime(Instant.now()))
                    .get(service);
            for (String name : List.of("a", "b")) {
                Map<String, String> env = new HashMap<>(base);
                env.putAll(extra);
                env.put("SERVICE_INSTANCE", service + "-" + name);
                if (env.containsKey("GROUP_INSTANCE_ID")) {
                    env.put("GROUP_INSTANCE_ID", service + "-" + name);
                }
                env.put("STATE_DIR", Files.createTempDirectory("zonekeeper-state").toString());
                instances.add(ServiceProcess.start(service + "-" + name, main, env, FreePort.pick(), logDir));
            }
            for (ServiceProcess instance : instances) {
                awaitReady(instance, Duration.ofMinutes(3));
            }
            try (Admin admin = Admin.create(dependencies.kafka.adminConfig())) {
                List<Long> stalls = new ArrayList<>();
                List<Long> ready = new ArrayList<>();
                for (int round = 0; round < ROUNDS; round++) {
                    awaitSettled(admin, group, null, Duration.ofMinutes(3));
                    ServiceProcess victim = instances.get(0);
                    String victimMember = memberIdOf(admin, group, victim.name());
                    long killed = System.nanoTime();
                    victim.kill();
                    ServiceProcess restarted = victim.restart();
                    instances.set(0, restarted);
                    awaitSettled(admin, group, victimMember, Duration.ofMinutes(3));
                    stalls.add((System.nanoTime() - killed) / 1_000_000);
                    awaitReady(restarted, Duration.ofMinutes(3));
                    ready.add((System.nanoTime() - killed) / 1_000_000);
                }
                System.out.printf("RESTART %s, %s: partitions settled after %s ms, restarted instance ready after %s"
                        + " ms%n", service, variant, stalls, ready);
            }
        } finally {
            instances.forEach(ServiceProcess::close);
        }
    }

    /**
     * Until the group is stable with two members, every partition assigned, and {@code gone}, the killed instance's
     * member id if not null, no longer among them (its restart joins under a new member id, whatever its instance id).
     */
    private static void awaitSettled(Admin admin, String group, String gone, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all()
                    .get(10, TimeUnit.SECONDS).get(group);
            boolean stable = description.groupState() == GroupState.STABLE && description.members().size() == 2
                    && description.members().stream().noneMatch(m -> m.assignment().topicPartitions().isEmpty());
            boolean replaced = gone == null || description.members().stream()
                    .noneMatch(m -> m.consumerId().equals(gone));
            if (stable && replaced) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(group + " did not settle within " + timeout);
    }

    private static String memberIdOf(Admin admin, String group, String instance) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group).members()
                .stream().filter(m -> m.clientId().contains(instance)).map(MemberDescription::consumerId)
                .findFirst().orElse("");
    }

    private static void awaitReady(ServiceProcess instance, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.httpPort() + "/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(instance.name() + " not ready within " + timeout);
    }
}
