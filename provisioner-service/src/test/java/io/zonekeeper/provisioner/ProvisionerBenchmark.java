package io.zonekeeper.provisioner;

import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.testkit.kubernetes.SimulatedCluster;
import io.zonekeeper.testkit.tls.LoopbackAuthority;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The provisioner under load with its production rate limits: N organizations each start one cluster (every one
 * needs a zone), then each gets more clusters (none should touch Route53). Not part of the test suite: run with
 * {@code ./mvnw -B install -DskipTests && ./mvnw -B -pl provisioner-service test
 * -Dsurefire.excludedGroups= -Dtest=ProvisionerBenchmark -Dbenchmark.orgs=1000}. Results go to stdout and
 * {@code provisioner-service/target/benchmark-provisioner.txt}.
 */
@Tag("benchmark")
class ProvisionerBenchmark {

    @Test
    void organizationsAndClustersAtProductionRateLimits() throws Exception {
        int orgs = Integer.getInteger("benchmark.orgs", 1000);
        int clustersPerOrg = Integer.getInteger("benchmark.clusters", 5);
        List<String> report = new ArrayList<>();
        try (ProvisionerWorld world = new ProvisionerWorld()) {
            // Production defaults: no rate-limit settings in the environment. Five API servers stand in for all
            // clusters, which keeps the JVM's thread count sane.
            // -Dbenchmark.env=NAME=value,NAME=value overrides service settings, e.g. the IAM bucket.
            for (String pair : System.getProperty("benchmark.env", "").split(",")) {
                if (pair.contains("=")) {
                    world.setEnv(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
                    report.add("setting: " + pair);
                }
            }
            int paced = Math.min(orgs, Integer.getInteger("benchmark.paced", 200));
            List<SimulatedCluster> servers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                servers.add(world.cluster("server-" + i));
            }
            // Each cluster id is an API server of its own to the provisioner's claims (another authority), on five
            // simulated servers: one server shared by several cluster ids would be refused as another's cluster.
            Path authorities = Files.createTempDirectory("authorities");
            for (int o = 0; o < orgs; o++) {
                for (int c = 0; c <= clustersPerOrg; c++) {
                    String ca = Files.readString(LoopbackAuthority.create(authorities.resolve(clusterId(o, c)),
                            clusterId(o, c)).trustBundle());
                    world.vault.write(ProvisionerWorld.kubeconfigPath(clusterId(o, c)), Map.of("kubeconfig",
                            servers.get((o + c) % servers.size()).kubeconfigAsAnotherServer(ca)));
                }
            }
            Map<UUID, Long> applied = new ConcurrentHashMap<>();
            AtomicBoolean tailing = new AtomicBoolean(true);
            Thread tail = new Thread(() -> tailStates(world, applied, tailing), "state-tail");
            tail.start();
            List<long[]> route53Timeline = Collections.synchronizedList(new ArrayList<>());
            Thread sampler = new Thread(() -> {
                while (tailing.get()) {
                    route53Timeline.add(new long[] {System.nanoTime(), world.route53Calls()});
                    sleep(250);
                }
            }, "route53-sampler");
            sampler.start();
            world.startService("bench-" + world.suffix);

            // Phase 1: a first cluster per organization.
            world.aws.resetCounts();
            Map<UUID, Long> emitted = new ConcurrentHashMap<>();
            long phase1Start = System.nanoTime();
            for (int o = 0; o < orgs; o++) {
                ClusterLifecycleEvent event = ProvisionerWorld.event("org-" + o, "org" + o, clusterId(o, 0),
                        ClusterStatus.RUNNING);
                emitted.put(event.getEventId(), System.nanoTime());
                world.emit(event);
            }
            awaitApplied(world, applied, emitted.keySet(), Duration.ofMinutes(60));
            long phase1End = System.nanoTime();
            long phase1Route53 = world.route53Calls();
            long phase1Iam = world.iamCalls().values().stream().mapToLong(Long::longValue).sum();
            Map<String, Long> phase1Ops = world.aws.requestCounts();

            // Phase 2: the other clusters of every organization.
            world.aws.resetCounts();
            Map<UUID, Long> emitted2 = new ConcurrentHashMap<>();
            long phase2Start = System.nanoTime();
            for (int c = 1; c < clustersPerOrg; c++) {
                for (int o = 0; o < orgs; o++) {
                    ClusterLifecycleEvent event = ProvisionerWorld.event("org-" + o, "org" + o, clusterId(o, c),
                            ClusterStatus.RUNNING);
                    emitted2.put(event.getEventId(), System.nanoTime());
                    world.emit(event);
                }
            }
            awaitApplied(world, applied, emitted2.keySet(), Duration.ofMinutes(30));
            long phase2End = System.nanoTime();
            long phase2Route53 = world.route53Calls();

            // Phase 3: one more cluster for some organizations, paced at 20 events/s, for latency without a queue.
            Map<UUID, Long> emitted3 = new ConcurrentHashMap<>();
            for (int o = 0; o < paced; o++) {
                ClusterLifecycleEvent event = ProvisionerWorld.event("org-" + o, "org" + o, clusterId(o, clustersPerOrg),
                        ClusterStatus.RUNNING);
                emitted3.put(event.getEventId(), System.nanoTime());
                world.emit(event);
                sleep(50);
            }
            awaitApplied(world, applied, emitted3.keySet(), Duration.ofMinutes(10));

            // Phase 4: every organization's clusters stop, then every zone is reaped at once, as at a month end
            // whose reaps all come due together: the provisioner's Route53 bucket under a backlog of teardowns.
            Map<UUID, Long> stops = new ConcurrentHashMap<>();
            Map<String, org.apache.kafka.clients.producer.RecordMetadata> lastStop = new ConcurrentHashMap<>();
            for (int o = 0; o < orgs; o++) {
                int clusters = o < paced ? clustersPerOrg + 1 : clustersPerOrg;
                for (int c = 0; c < clusters; c++) {
                    ClusterLifecycleEvent event = ProvisionerWorld.event("org-" + o, "org" + o, clusterId(o, c),
                            ClusterStatus.STOPPED);
                    stops.put(event.getEventId(), System.nanoTime());
                    lastStop.put("org-" + o, world.emit(event));
                }
            }
            awaitApplied(world, applied, stops.keySet(), Duration.ofMinutes(30));
            Map<String, OrgDnsState> stopped = world.orgStates();
            world.aws.resetCounts();
            long phase4Start = System.nanoTime();
            for (int o = 0; o < orgs; o++) {
                OrgDnsState state = stopped.get("org-" + o);
                world.reap(state.getOrgId(), state.getOrgName(), state.getZoneId(), lastStop.get(state.getOrgId()));
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(60).toNanos();
            while (world.orgStates().values().stream().filter(st -> st != null
                    && st.getStatus() == io.zonekeeper.schemas.OrgDnsStatus.DELETED).count() < orgs) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("reaps not done within 60 minutes");
                }
                sleep(1_000);
            }
            long phase4End = System.nanoTime();
            long phase4Route53 = world.route53Calls();
            Map<String, Long> phase4Ops = world.aws.requestCounts();
            long phase4Iam = world.iamCalls().values().stream().mapToLong(Long::longValue).sum();
            tailing.set(false);
            tail.join();
            sampler.join();

            List<Long> latencies = latencies(emitted2, applied);
            List<Long> pacedLatencies = latencies(emitted3, applied);
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            double phase1Seconds = (phase1End - phase1Start) / 1e9;
            long[] busiest = busiestWindows(route53Timeline, phase1Start, phase1End);

            report.add("organizations: " + orgs + ", clusters per organization: " + clustersPerOrg);
            report.add(String.format("phase 1 (new organizations): %.1f s, %.2f organizations/s", phase1Seconds,
                    orgs / phase1Seconds));
            report.add(String.format("Route53 calls per new organization: %.2f (%d in all) %s",
                    (double) phase1Route53 / orgs, phase1Route53, phase1Ops));
            report.add(String.format("IAM calls per new organization: %.2f (%d in all)", (double) phase1Iam / orgs,
                    phase1Iam));
            report.add(String.format("achieved Route53 rate while there was work: %.2f/s against a bucket of 10/s "
                    + "(burst 50) = %.0f%%", phase1Route53 / phase1Seconds, 100 * phase1Route53 / phase1Seconds / 10));
            report.add("most Route53 calls in any 1 s window: " + busiest[0] + " (allowed: 50 + 10 = 60); in any 10 s "
                    + "window: " + busiest[1] + " (allowed: 50 + 100 = 150)");
            report.add(String.format("phase 2 (clusters of existing organizations): %d events in %.1f s",
                    emitted2.size(), (phase2End - phase2Start) / 1e9));
            report.add(String.format("Route53 calls per additional cluster: %.3f (%d in all)",
                    (double) phase2Route53 / emitted2.size(), phase2Route53));
            report.add("end-to-end latency, all " + emitted2.size() + " emitted at once (emit to state published): p50 "
                    + percentile(latencies, 50) + " ms, p99 " + percentile(latencies, 99) + " ms, max "
                    + latencies.get(latencies.size() - 1) + " ms");
            report.add("end-to-end latency at 20 events/s (" + paced + " events, no queue): p50 "
                    + percentile(pacedLatencies, 50) + " ms, p99 " + percentile(pacedLatencies, 99) + " ms");
            double phase4Seconds = (phase4End - phase4Start) / 1e9;
            long[] busiestReaps = busiestWindows(route53Timeline, phase4Start, phase4End);
            report.add(String.format("phase 4 (every zone reaped at once): %.1f s, %.2f reaps/s", phase4Seconds,
                    orgs / phase4Seconds));
            report.add(String.format("Route53 calls per reap: %.2f, IAM calls per reap: %.2f %s",
                    (double) phase4Route53 / orgs, (double) phase4Iam / orgs, phase4Ops));
            report.add(String.format("achieved Route53 rate while reaping: %.2f/s (at the defaults the provisioner's"
                    + " bucket is 5/s, burst 25: the account's 10/s and 50 less the fleet's half)",
                    phase4Route53 / phase4Seconds));
            report.add("most Route53 calls in any 1 s window while reaping: " + busiestReaps[0] + "; in any 10 s: "
                    + busiestReaps[1]);
            report.add(String.format("heap used after GC (broker, emulator clients, stand-ins and service in one "
                    + "JVM): %.0f MiB", heap / 1048576.0));
        }
        report.forEach(System.out::println);
        Files.write(Path.of("target", "benchmark-provisioner.txt"), report);
    }

    private static List<Long> latencies(Map<UUID, Long> emitted, Map<UUID, Long> applied) {
        return emitted.entrySet().stream().map(e -> (applied.get(e.getKey()) - e.getValue()) / 1_000_000).sorted()
                .toList();
    }

    private static String clusterId(int org, int cluster) {
        return "o" + org + "-c" + cluster;
    }

    private static void tailStates(ProvisionerWorld world, Map<UUID, Long> applied, AtomicBoolean tailing) {
        var deserializer = new AvroDeserializer<>(OrgDnsState.class, world.registry);
        try (var consumer = world.clients.consumer("bench-tail-" + UUID.randomUUID())) {
            var partitions = consumer.partitionsFor(world.orgDnsTopic).stream()
                    .map(p -> new TopicPartition(world.orgDnsTopic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (tailing.get()) {
                for (var record : consumer.poll(Duration.ofMillis(100))) {
                    if (record.value() != null) {
                        OrgDnsState state = deserializer.deserialize(world.orgDnsTopic, record.value());
                        if (state.getLastEventId() != null) {
                            applied.putIfAbsent(state.getLastEventId(), System.nanoTime());
                        }
                    }
                }
            }
        }
    }

    private static void awaitApplied(ProvisionerWorld world, Map<UUID, Long> applied, java.util.Set<UUID> ids,
                                     Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastCheck = System.nanoTime();
        while (!applied.keySet().containsAll(ids)) {
            if (System.nanoTime() - lastCheck > 10_000_000_000L) {
                lastCheck = System.nanoTime();
                if (!world.deadLetters().isEmpty()) {
                    throw new AssertionError("dead letters during the benchmark: " + world.deadLetters().size());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + ids.stream().filter(applied::containsKey).count() + " of "
                        + ids.size() + " events applied within " + timeout);
            }
            sleep(200);
        }
    }

    /** The most calls seen in any 1 s and any 10 s window of the phase, from the 250 ms samples. */
    private static long[] busiestWindows(List<long[]> samples, long from, long to) {
        List<long[]> phase = samples.stream().filter(s -> s[0] >= from && s[0] <= to).toList();
        long one = 0;
        long ten = 0;
        for (int i = 0; i < phase.size(); i++) {
            for (int j = i + 1; j < phase.size(); j++) {
                long span = phase.get(j)[0] - phase.get(i)[0];
                long calls = phase.get(j)[1] - phase.get(i)[1];
                if (span <= 1_000_000_000L) {
                    one = Math.max(one, calls);
                }
                if (span <= 10_000_000_000L) {
                    ten = Math.max(ten, calls);
                } else {
                    break;
                }
            }
        }
        return new long[] {one, ten};
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
