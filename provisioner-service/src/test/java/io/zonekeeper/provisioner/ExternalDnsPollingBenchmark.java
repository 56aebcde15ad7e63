package io.zonekeeper.provisioner;

import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.provisioner.model.FleetPolling;
import io.zonekeeper.testkit.aws.MotoServer;
import io.zonekeeper.testkit.externaldns.ExternalDnsProcess;
import io.zonekeeper.testkit.faults.FaultProxy;
import io.zonekeeper.testkit.kubernetes.KubeApiServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.RRType;

/**
 * What the fleet's ExternalDNS costs in Route53 requests: the real binary, as many processes as clusters, against
 * the AWS emulator behind the counting fault proxy, with a chosen number of zones in the account. Per zone count it
 * measures the requests per sync with and without the zones cache, at a short interval so a run takes minutes; the
 * steady state at production intervals follows by dividing by the interval (see BENCHMARKS.md). Then the time
 * from a Service getting its load balancer address to its record existing, with the production flags.
 */
@Tag("benchmark")
class ExternalDnsPollingBenchmark {

    private static final int PROCESSES = Integer.getInteger("benchmark.processes", 20);
    private static final List<Integer> ZONES = Arrays.stream(System.getProperty("benchmark.zones", "10,200,1000")
            .split(",")).map(Integer::parseInt).toList();
    private static final Duration INTERVAL = Duration.ofSeconds(Integer.getInteger("benchmark.intervalSeconds", 15));
    private static final Duration WINDOW = Duration.ofSeconds(Integer.getInteger("benchmark.windowSeconds", 60));
    /** What Zonekeeper gives 1,000 clusters in an account of 1,000 zones with the default share (5 requests/s). */
    private static final FleetPolling AT_1000_CLUSTERS = FleetPolling.sizedFor(1000, 1000,
            new FleetPolling.Budget(10, 0.5));
    /** Set, a third phase with this short a zones cache measures what a cache refresh costs. */
    private static final Integer REFRESH_CACHE_SECONDS = Integer.getInteger("benchmark.refreshCacheSeconds");
    private static final int LATENCY_SAMPLES = Integer.getInteger("benchmark.latencySamples", 6);

    private final MotoServer moto = MotoServer.shared();
    private final ExternalDnsManifests manifests = new ExternalDnsManifests(new ExternalDnsManifests.Settings(
            "external-dns", ProvisionerConfig.DEFAULT_EXTERNAL_DNS_IMAGE, "sync"));
    /** Zone id -> the n of its name {@code o<n>.bench.example.com}. */
    private final Map<String, Integer> zoneNumbers = new HashMap<>();

    @Test
    void route53RequestsPerSyncAndTimeToRecord() throws Exception {
        List<String> report = new ArrayList<>();
        try (KubeApiServer cluster = KubeApiServer.start("bench", List.of())) {
            for (int zoneCount : ZONES) {
                List<String> zones = accountWithZones(zoneCount);
                Map<String, Long> before = measure(cluster, zones, args -> withInterval(args.stream()
                        .filter(a -> !a.startsWith("--aws-zones-cache-duration=")).toList()));
                Map<String, Long> after = measure(cluster, zones, this::withInterval);
                report.add(String.format("zones=%d processes=%d interval=%ss window=%ss | no cache: %s | cache %s: %s",
                        zoneCount, PROCESSES, INTERVAL.toSeconds(), WINDOW.toSeconds(), perSync(before),
                        FleetPolling.ZONES_CACHE, perSync(after)));
                if (REFRESH_CACHE_SECONDS != null) {
                    Map<String, Long> refreshing = measure(cluster, zones, args -> withInterval(args.stream()
                            .map(a -> a.startsWith("--aws-zones-cache-duration=")
                                    ? "--aws-zones-cache-duration=" + REFRESH_CACHE_SECONDS + "s" : a).toList()));
                    report.add(String.format("zones=%d cache %ss: %s", zoneCount, REFRESH_CACHE_SECONDS,
                            perSync(refreshing)));
                }
            }
            report.add(timeToRecord(cluster, accountWithZones(200)));
        }
        report.forEach(line -> System.out.println("BENCHMARK " + line));
    }

    /** Requests per operation in the window, all processes started and past their first sync. */
    private Map<String, Long> measure(KubeApiServer cluster, List<String> zones, UnaryOperator<List<String>> args)
            throws InterruptedException {
        try (FaultProxy aws = FaultProxy.start(moto.endpoint(), 1)) {
            List<ExternalDnsProcess> processes = new ArrayList<>();
            try {
                for (int i = 0; i < PROCESSES; i++) {
                    processes.add(start(cluster, aws, zones.get(i % zones.size()), "bench-" + i, args));
                }
                Thread.sleep(INTERVAL.toMillis());
                aws.resetCounts();
                Thread.sleep(WINDOW.toMillis());
                return aws.requestCounts();
            } finally {
                processes.forEach(ExternalDnsProcess::close);
            }
        }
    }

    /** Requests per sync: each sync of a one-page zone lists its records once. */
    private static String perSync(Map<String, Long> counts) {
        long syncs = counts.getOrDefault("route53:ListResourceRecordSets", 0L);
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        return String.format("%s; syncs=%d, requests per sync %.2f", new TreeMap<>(counts), syncs,
                syncs == 0 ? Double.NaN : (double) total / syncs);
    }

    /** With the production flags, seconds from a Service's address being set to its A record existing. */
    private String timeToRecord(KubeApiServer cluster, List<String> zones) throws InterruptedException {
        List<Long> millis = new ArrayList<>();
        String zoneId = zones.get(0);
        String zoneName = "o0.bench.example.com";
        try (FaultProxy aws = FaultProxy.start(moto.endpoint(), 1);
             ExternalDnsProcess externalDns = start(cluster, aws, zoneId, "latency", UnaryOperator.identity());
             KubernetesClient admin = cluster.adminClient(); Route53Client route53 = route53()) {
            Thread.sleep(10_000);
            for (int i = 0; i < LATENCY_SAMPLES; i++) {
                String host = "svc" + i + "." + zoneName;
                Service service = admin.services().inNamespace("default").resource(new ServiceBuilder()
                        .withNewMetadata().withName("svc" + i)
                        .addToAnnotations("external-dns.alpha.kubernetes.io/hostname", host).endMetadata()
                        .withNewSpec().withType("LoadBalancer").addNewPort().withPort(443).endPort().endSpec()
                        .build()).create();
                service.setStatus(new ServiceStatusBuilder().withNewLoadBalancer().withIngress(
                        new LoadBalancerIngressBuilder().withIp("203.0.113." + (10 + i)).build()).endLoadBalancer().build());
                long start = System.nanoTime();
                admin.services().inNamespace("default").resource(service).updateStatus();
                while (route53.listResourceRecordSets(r -> r.hostedZoneId(zoneId)).resourceRecordSets().stream()
                        .noneMatch(r -> r.name().equals(host + ".") && r.type() == RRType.A)) {
                    if (System.nanoTime() - start > Duration.ofMinutes(6).toNanos()) {
                        throw new IllegalStateException("no record after 6 minutes:\n" + externalDns.logTail());
                    }
                    Thread.sleep(100);
                }
                millis.add((System.nanoTime() - start) / 1_000_000);
                Thread.sleep(7_000);
            }
        }
        return "time to record with " + AT_1000_CLUSTERS.intervalFlag() + " --events (ms): " + millis;
    }

    private ExternalDnsProcess start(KubeApiServer cluster, FaultProxy aws, String zoneId, String owner,
                                     UnaryOperator<List<String>> args) {
        ExternalDnsManifests.Target target = new ExternalDnsManifests.Target("o" + zoneNumbers.get(zoneId) + ".bench.example.com.",
                zoneId, owner);
        ExternalDnsManifests.Credentials credentials = new ExternalDnsManifests.Credentials(MotoServer.ACCESS_KEY_ID,
                MotoServer.SECRET_ACCESS_KEY, 1);
        Deployment deployment = manifests.deployment(target, credentials, AT_1000_CLUSTERS);
        List<String> chosen = args.apply(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
        Deployment run = new DeploymentBuilder(deployment).editSpec().editTemplate().editSpec().editFirstContainer()
                .withArgs(chosen).endContainer().endSpec().endTemplate().endSpec().build();
        return ExternalDnsProcess.start(run, Map.of(ExternalDnsManifests.SECRET_NAME,
                manifests.credentialsSecret(credentials)), cluster.kubeconfig(KubeApiServer.ADMIN), aws.endpoint());
    }

    private List<String> withInterval(List<String> args) {
        return args.stream().map(a -> a.startsWith("--interval=") ? "--interval=" + INTERVAL.toSeconds() + "s" : a)
                .toList();
    }

    /** A fresh account holding {@code count} zones named o0…o(count-1).bench.example.com; their ids in order. */
    private List<String> accountWithZones(int count) {
        moto.reset();
        zoneNumbers.clear();
        List<String> ids = new ArrayList<>();
        try (Route53Client route53 = route53()) {
            for (int i = 0; i < count; i++) {
                String name = "o" + i + ".bench.example.com";
                String id = route53.createHostedZone(r -> r.name(name).callerReference(UUID.randomUUID().toString()))
                        .hostedZone().id().replace("/hostedzone/", "");
                ids.add(id);
                zoneNumbers.put(id, i);
            }
        }
        return ids;
    }

    private Route53Client route53() {
        return Route53Client.builder().region(Region.AWS_GLOBAL).endpointOverride(moto.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY))).build();
    }
}
