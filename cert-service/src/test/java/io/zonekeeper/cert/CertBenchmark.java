package io.zonekeeper.cert;

import io.zonekeeper.cert.model.CertificateIssuer;
import io.zonekeeper.cert.model.IssuedCertificate;
import io.zonekeeper.cert.model.KeyAlgorithm;
import io.zonekeeper.cert.model.Pem;
import io.zonekeeper.cert.model.TlsMaterial;
import io.zonekeeper.cert.model.OrgAuthority;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.testkit.kubernetes.SimulatedCluster;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issuance throughput end to end (lifecycle event in, certificate in Vault and in the cluster, state out) next
 * to the raw cost of key generation plus signing on the same machine in the same run. Not part of the test
 * suite: run with {@code ./mvnw -B install -DskipTests && ./mvnw -B -pl cert-service test
 * -Dsurefire.excludedGroups= -Dtest=CertBenchmark -Dbenchmark.orgs=20 -Dbenchmark.clusters=25}. Results go to
 * stdout and {@code cert-service/target/benchmark-cert.txt}.
 */
@Tag("benchmark")
class CertBenchmark {

    @Test
    void issuanceThroughputAgainstRawCryptography() throws Exception {
        int orgs = Integer.getInteger("benchmark.orgs", 20);
        int clustersPerOrg = Integer.getInteger("benchmark.clusters", 25);
        List<String> report = new ArrayList<>();
        report.add("machine: " + Runtime.getRuntime().availableProcessors() + " cores, java "
                + System.getProperty("java.version") + ", " + orgs + " organizations x " + clustersPerOrg + " clusters");
        for (String name : System.getProperty("benchmark.algorithms", "ec-p256,rsa-2048").split(",")) {
            KeyAlgorithm algorithm = KeyAlgorithm.parse(name);
            int certificates = orgs * clustersPerOrg;
            double raw = rawIssuancePerSecond(algorithm, Math.min(certificates, 400));
            double[] cpu = new double[1];
            double endToEnd = endToEndPerSecond(algorithm, orgs, clustersPerOrg, cpu, report);
            // Raw work per certificate: one leaf key pair and one signature; the service adds one CA per
            // organization, which the raw loop leaves out, so the share below slightly overstates overhead.
            double overhead = 1 - endToEnd / raw;
            report.add(String.format("%s: end to end %.1f certificates/s; raw key generation + signing %.1f/s on %d"
                    + " threads; service overhead %.0f%% of the wall time per certificate; JVM CPU per certificate"
                    + " %.1f ms, of which key generation + signing %.1f ms (%.0f%%)", algorithm.configName(), endToEnd,
                    raw, Runtime.getRuntime().availableProcessors(), overhead * 100, cpu[0] * 1000,
                    cryptoCpuMillis(raw), 100 * cryptoCpuMillis(raw) / (cpu[0] * 1000)));
        }
        report.forEach(System.out::println);
        Files.write(Path.of("target", "benchmark-cert.txt"), report);
    }

    /** Leaf key generation plus signing, on as many threads as there are cores, after a warm-up. */
    private static double rawIssuancePerSecond(KeyAlgorithm algorithm, int count) throws Exception {
        CertificateIssuer issuer = new CertificateIssuer(new SecureRandom(), Duration.ofMinutes(5));
        IssuedCertificate ca = issuer.authority(CertificateIssuer.authoritySubject("bench", "bench", 1),
                "bench.zk.example", KeyAlgorithm.EC_P256, Instant.now(), Duration.ofDays(365));
        OrgAuthority authority = OrgAuthority.first(ca);
        List<String> names = List.of("c.bench.zk.example", "*.c.bench.zk.example");
        for (int i = 0; i < Math.max(20, count / 10); i++) {
            TlsMaterial.of(issuer.server(ca, names, algorithm, Instant.now(), Duration.ofDays(90)), authority);
        }
        int threads = Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long start = System.nanoTime();
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                // PEM encoding included: the service stores and injects PEM.
                results.add(pool.submit(() -> Pem.privateKey(issuer.server(ca, names, algorithm, Instant.now(),
                        Duration.ofDays(90)).privateKey())));
            }
            for (Future<String> result : results) {
                result.get();
            }
            return count / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /** CPU milliseconds one certificate's key generation and signing take, from the parallel raw rate. */
    private static double cryptoCpuMillis(double rawPerSecond) {
        return 1000.0 * Runtime.getRuntime().availableProcessors() / rawPerSecond;
    }

    /** CPU time per thread group (thread name without digits) since the snapshot, in seconds. */
    private static Map<String, Double> cpuSince(Map<Long, Long> snapshot) {
        var threads = ManagementFactory.getThreadMXBean();
        Map<String, Double> groups = new java.util.TreeMap<>();
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long now = threads.getThreadCpuTime(info.getThreadId());
            long before = snapshot.getOrDefault(info.getThreadId(), 0L);
            String group = info.getThreadName().replaceAll("[0-9]+", "#").replaceAll("-[a-f#]{6,}", "");
            groups.merge(group, (now - before) / 1e9, Double::sum);
        }
        return groups;
    }

    private static Map<Long, Long> cpuSnapshot() {
        var threads = ManagementFactory.getThreadMXBean();
        Map<Long, Long> snapshot = new java.util.HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            snapshot.put(id, threads.getThreadCpuTime(id));
        }
        return snapshot;
    }

    private static double endToEndPerSecond(KeyAlgorithm algorithm, int orgs, int clustersPerOrg, double[] cpu,
                                            List<String> report) {
        try (CertWorld world = new CertWorld()) {
            // -Dbenchmark.env=NAME=value,NAME=value overrides service settings, e.g. WORKERS.
            for (String pair : System.getProperty("benchmark.env", "").split(",")) {
                if (pair.contains("=")) {
                    world.setEnv(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
                }
            }
            world.setEnv("CERT_KEY_ALGORITHM", algorithm.configName());
            world.setEnv("CA_KEY_ALGORITHM", algorithm.configName());
            // One API server per organization: its clusters' Secrets share a name there, so each cluster after the
            // first updates the Secret rather than creating it (a write all the same).
            List<SimulatedCluster> servers = new ArrayList<>();
            for (int o = 0; o < orgs; o++) {
                servers.add(world.cluster("server-" + o));
                for (int c = 0; c < clustersPerOrg; c++) {
                    world.vault.write(CertWorld.kubeconfigPath(clusterId(o, c)),
                            Map.of("kubeconfig", servers.get(o).kubeconfig()));
                }
            }
            world.startService("bench-" + world.suffix);
            // Warm the service path up on an organization outside the measurement.
            world.vault.write(CertWorld.kubeconfigPath("warm-0"), Map.of("kubeconfig", servers.get(0).kubeconfig()));
            world.emit(world.event("warm", "warm", "warm-0", "warm", ClusterStatus.RUNNING));
            world.awaitState("warm-0", "server", s -> true);

            Map<Long, Long> snapshot = cpuSnapshot();
            long start = System.nanoTime();
            for (int c = 0; c < clustersPerOrg; c++) {
                for (int o = 0; o < orgs; o++) {
                    world.emit(world.event("org-" + o, "org" + o, clusterId(o, c), "c" + c, ClusterStatus.RUNNING));
                }
            }
            int expected = orgs * clustersPerOrg + 1;
            org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> world.states().size() >= expected);
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Double> byGroup = cpuSince(snapshot);
            double total = byGroup.values().stream().mapToDouble(Double::doubleValue).sum();
            cpu[0] = total / (orgs * clustersPerOrg);
            report.add(String.format("  %s: CPU seconds in the JVM during the run: %.1f of %.1f available; by thread group:",
                    algorithm.configName(), total, seconds * Runtime.getRuntime().availableProcessors()));
            byGroup.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(12)
                    .forEach(e -> report.add(String.format("    %-40s %6.1f s  %4.0f%%", e.getKey(), e.getValue(),
                            100 * e.getValue() / total)));
            return orgs * clustersPerOrg / seconds;
        }
    }

    private static String clusterId(int org, int cluster) {
        return "o" + org + "-c" + cluster;
    }
}
