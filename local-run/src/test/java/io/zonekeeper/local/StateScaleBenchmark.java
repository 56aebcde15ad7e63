package io.zonekeeper.local;

import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.common.kafka.TopicNames;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.provisioner.model.FleetPolling;
import io.zonekeeper.provisioner.model.OrgNaming;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.OrgCluster;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.TlsStatus;
import io.zonekeeper.testkit.FreePort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A large installation's state, restored: the state topics filled with 100,000 organizations (their DNS states, five
 * clusters each over a pool of 20 accounts) and 500,000 certificate states, and the lifecycle topic with a RUNNING
 * event per cluster, as the services would have written them (the AWS emulator cannot hold 100,000 zones and
 * users; the services read only their topics at a restart). The provisioner and the cert service are started as
 * processes at {@code -Xmx512m} with their consumer groups at the end of their inputs (as after a crash of an
 * installation that was up to date), then killed and started again; the reaper first builds its stores from the
 * lifecycle topic, then restarts with its local state and without it (a new pod, restored from the changelogs).
 * Each time: from process start to {@code /ready} answering 200, and the live heap after a full collection
 * ({@code jcmd GC.run}, then {@code GC.heap_info}). Run on demand:
 * {@code ./mvnw -B -pl local-run test -Dsurefire.excludedGroups= -Dtest=StateScaleBenchmark} (optional
 * {@code -Dbenchmark.orgs=}, {@code -Dbenchmark.heap=}); results go to BENCHMARKS.md by hand.
 */
@Tag("benchmark")
class StateScaleBenchmark {

    private static final int ORGS = Integer.getInteger("benchmark.orgs", 100_000);
    private static final int CLUSTERS = 5;
    private static final int ACCOUNTS = 20;
    private static final String HEAP = System.getProperty("benchmark.heap", "512m");
    /** Which services to measure, all by default. */
    private static final List<String> SERVICES = List.of(System.getProperty("benchmark.services",
            "provisioner-service,cert-service,reaper-service").split(","));
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern USED = Pattern.compile("generation\\s+total \\d+K, used (\\d+)K");

    private final Random random = new Random(7);
    private final List<String> report = new ArrayList<>();

    @Test
    void eachServiceRestoresALargeInstallationsState() throws Exception {
        Path logDir = Files.createTempDirectory("zonekeeper-scale");
        Instant now = Instant.now();
        try (Dependencies dependencies = Dependencies.start(progress -> { })) {
            long filling = System.nanoTime();
            fill(dependencies, now);
            report.add(String.format("filled %,d organizations, %,d clusters in %d s", ORGS, ORGS * CLUSTERS,
                    (System.nanoTime() - filling) / 1_000_000_000));
            try (Admin admin = Admin.create(dependencies.kafka.adminConfig())) {
                for (String topic : List.of(TopicNames.ORG_DNS, TopicNames.CLUSTER_TLS, TopicNames.LIFECYCLE_BY_ORG)) {
                    report.add(String.format("%s: %,d records, %.1f MiB", topic, records(admin, topic),
                            bytes(admin, topic) / 1048576.0));
                }
                for (TopicNames.Consumer group : List.of(TopicNames.Consumer.PROVISIONER, TopicNames.Consumer.CERT)) {
                    upToDate(admin, group);
                }
            }
            Map<String, Map<String, String>> environments = LocalRun.serviceEnvironments(dependencies,
                    Timeline.realTime(now));
            if (SERVICES.contains("provisioner-service")) {
                restarts(environments, "provisioner-service", "io.zonekeeper.provisioner.Main", logDir);
            }
            if (SERVICES.contains("cert-service")) {
                restarts(environments, "cert-service", "io.zonekeeper.cert.Main", logDir);
            }
            if (SERVICES.contains("reaper-service")) {
                reaper(dependencies, environments, logDir);
            }
        } finally {
            report.forEach(line -> System.out.println("SCALE " + line));
        }
    }

    /** Started, killed, started again: each time to ready, and the live heap once ready. */
    private void restarts(Map<String, Map<String, String>> environments, String service, String main, Path logDir)
            throws Exception {
        ServiceProcess instance = ServiceProcess.start(service, main, environments.get(service), FreePort.pick(),
                logDir, HEAP);
        try {
            measure(instance, service + " first start");
            instance.kill();
            instance = instance.restart();
            measure(instance, service + " after SIGKILL");
        } finally {
            instance.close();
        }
    }

    /**
     * The reaper builds its stores from the lifecycle topic (every cluster's event, every organization's zone), then
     * restarts on its local state, then on a new state directory: restored from its changelogs.
     */
    private void reaper(Dependencies dependencies, Map<String, Map<String, String>> environments, Path logDir)
            throws Exception {
        Map<String, String> env = new HashMap<>(environments.get("reaper-service"));
        env.put("STATE_DIR", Files.createTempDirectory("zonekeeper-reaper-scale").toString());
        // As the chart runs it: a StatefulSet pod's name, so a restarted pod gets its tasks back without waiting
        // for its old session to end (RestartStallBenchmark), and the figure is the restore.
        env.put("GROUP_INSTANCE_ID", "zonekeeper-reaper-0");
        ServiceProcess instance = ServiceProcess.start("reaper-service", "io.zonekeeper.reaper.Main", env,
                FreePort.pick(), logDir, HEAP);
        try (Admin admin = Admin.create(dependencies.kafka.adminConfig())) {
            long started = System.nanoTime();
            awaitCaughtUp(admin, TopicNames.Consumer.REAPER, Duration.ofMinutes(20));
            report.add(String.format("reaper-service first start: processed %,d lifecycle events and %,d zone"
                    + " states in %d s", ORGS * CLUSTERS, ORGS, (System.nanoTime() - started) / 1_000_000_000));
            report.add(String.format("reaper-service after processing: live heap %d MiB of %s",
                    liveHeapMiB(instance.pid()), HEAP));
            instance.kill();
            instance = instance.restart();
            measure(instance, "reaper-service after SIGKILL, its local state kept");
            instance.close();
            env.put("STATE_DIR", Files.createTempDirectory("zonekeeper-reaper-scale").toString());
            instance = ServiceProcess.start("reaper-service-new", "io.zonekeeper.reaper.Main", env, FreePort.pick(),
                    logDir, HEAP);
            measure(instance, "reaper-service on a new state directory (restored from its changelogs)");
        } finally {
            instance.close();
        }
    }

    private void measure(ServiceProcess instance, String what) throws Exception {
        long started = System.nanoTime();
        awaitReady(instance, Duration.ofMinutes(10));
        long ready = (System.nanoTime() - started) / 1_000_000;
        report.add(String.format("%s: ready in %,d ms (from the process's start), live heap %d MiB of %s", what, ready,
                liveHeapMiB(instance.pid()), HEAP));
    }

    /** The heap still used after a full collection: what the process holds, not what it has not collected yet. */
    private static long liveHeapMiB(long pid) throws Exception {
        jcmd(pid, "GC.run");
        Matcher used = USED.matcher(jcmd(pid, "GC.heap_info"));
        long kib = 0;
        while (used.find()) {
            kib += Long.parseLong(used.group(1));
        }
        return kib / 1024;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid), command).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor(1, TimeUnit.MINUTES);
        return output;
    }

    private static void awaitReady(ServiceProcess instance, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!instance.alive()) {
                throw new IllegalStateException(instance.name() + " exited; see " + instance.log());
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.httpPort() + "/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(instance.name() + " not ready within " + timeout + "; see " + instance.log());
    }

    /** The group's offsets at the end of every input, as for an installation that had processed everything. */
    private static void upToDate(Admin admin, TopicNames.Consumer group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        ends(admin, group.topics()).forEach((partition, end) -> offsets.put(partition, new OffsetAndMetadata(end)));
        admin.alterConsumerGroupOffsets(group.group(), offsets).all().get(1, TimeUnit.MINUTES);
    }

    private static void awaitCaughtUp(Admin admin, TopicNames.Consumer group, Duration timeout) throws Exception {
        Map<TopicPartition, Long> ends = ends(admin, group.topics());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group.group())
                    .partitionsToOffsetAndMetadata().get(1, TimeUnit.MINUTES);
            if (ends.entrySet().stream().allMatch(end -> committed.get(end.getKey()) != null
                    && committed.get(end.getKey()).offset() >= end.getValue())) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(group.group() + " did not reach the end of its inputs within " + timeout);
    }

    private static Map<TopicPartition, Long> ends(Admin admin, List<String> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (var description : admin.describeTopics(topics).allTopicNames().get(1, TimeUnit.MINUTES).values()) {
            description.partitions().forEach(p -> latest.put(new TopicPartition(description.name(), p.partition()),
                    OffsetSpec.latest()));
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get(1, TimeUnit.MINUTES).forEach((partition, info) ->
                ends.put(partition, info.offset()));
        return ends;
    }

    private static long records(Admin admin, String topic) throws Exception {
        return ends(admin, List.of(topic)).values().stream().mapToLong(Long::longValue).sum();
    }

    private static long bytes(Admin admin, String topic) throws Exception {
        int broker = admin.describeCluster().nodes().get(1, TimeUnit.MINUTES).iterator().next().id();
        return admin.describeLogDirs(List.of(broker)).allDescriptions().get(1, TimeUnit.MINUTES).get(broker).values()
                .stream().flatMap(dir -> dir.replicaInfos().entrySet().stream())
                .filter(replica -> replica.getKey().topic().equals(topic))
                .mapToLong(replica -> replica.getValue().size()).sum();
    }

    /**
     * What the services would have written for {@link #ORGS} organizations: realistic ids (UUIDs, as an upstream's
     * database hands them out), names, paths and serials, of the sizes the services write.
     */
    private void fill(Dependencies dependencies, Instant now) throws Exception {
        SchemaRegistryClient registry = SchemaRegistries.forTool(dependencies.registry.endpoint().toString());
        AvroSerializer<SpecificRecord> serializer = new AvroSerializer<>(registry, false, true);
        OrgNaming orgNaming = new OrgNaming(Dependencies.BASE_DOMAIN, "/zonekeeper/", "zonekeeper/orgs");
        CertNaming certNaming = new CertNaming(Dependencies.BASE_DOMAIN, "zonekeeper/certs", "zonekeeper-tls");
        Map<String, Object> config = new HashMap<>(dependencies.kafka.adminConfig());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        Instant created = now.minus(Duration.ofDays(40)).truncatedTo(ChronoUnit.SECONDS);
        Instant issued = now.minus(Duration.ofDays(10)).truncatedTo(ChronoUnit.SECONDS);
        try (Producer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int org = 0; org < ORGS; org++) {
                String orgId = UUID.randomUUID().toString();
                String orgName = "tenant-" + org;
                String account = Long.toString(100_000_000_000L + org % ACCOUNTS);
                String accessKeyId = "AKIA" + hex(8).toUpperCase();
                String zoneId = "Z" + hex(10).toUpperCase();
                List<OrgCluster> clusters = new ArrayList<>();
                for (int c = 0; c < CLUSTERS; c++) {
                    String clusterId = UUID.randomUUID().toString();
                    String clusterName = "c" + c;
                    String kubeconfig = "clusters/" + clusterId + "/kubeconfig";
                    clusters.add(OrgCluster.newBuilder().setClusterId(clusterId).setKubeconfigVaultPath(kubeconfig)
                            .setRunning(true).setAccessKeyId(accessKeyId).setZoneId(zoneId)
                            .setExternalDnsIntervalSeconds((int) FleetPolling.LONGEST.toSeconds()).build());
                    List<String> names = certNaming.serverNames(orgName, clusterName);
                    ClusterTlsState tls = ClusterTlsState.newBuilder().setOrgId(orgId).setOrgName(orgName)
                            .setClusterId(clusterId).setClusterName(clusterName)
                            .setCertificateName(CertNaming.SERVER).setClusterRunning(true)
                            .setKubeconfigVaultPath(kubeconfig).setStatus(TlsStatus.ISSUED)
                            .setCertificateSerial(hex(16)).setDnsNames(names)
                            .setNotBefore(issued).setNotAfter(issued.plus(Duration.ofDays(90)))
                            .setRenewAt(issued.plus(Duration.ofDays(60))).setCaSerial(hex(16))
                            .setCaNotAfter(created.plus(Duration.ofDays(3650)))
                            .setCaNextStepAt(created.plus(Duration.ofDays(3285)))
                            .setVaultPath(certNaming.certificatePath(orgId, clusterId, CertNaming.SERVER))
                            .setSecretRef("zonekeeper/" + certNaming.secretName(CertNaming.SERVER))
                            .setLastEventId(UUID.randomUUID()).setUpdatedAt(issued).build();
                    send(producer, serializer, TopicNames.CLUSTER_TLS,
                            CertNaming.stateKey(orgId, clusterId, CertNaming.SERVER), tls);
                    send(producer, serializer, TopicNames.LIFECYCLE_BY_ORG, orgId, ClusterLifecycleEvent.newBuilder()
                            .setEventId(UUID.randomUUID()).setOccurredAt(created.plusSeconds(c)).setOrgId(orgId)
                            .setOrgName(orgName).setClusterId(clusterId).setClusterName(clusterName)
                            .setStatus(ClusterStatus.RUNNING).setCloud("amazon").setRegion("eu-west-1")
                            .setKubeconfigVaultPath(kubeconfig).build());
                }
                OrgDnsState dns = OrgDnsState.newBuilder().setOrgId(orgId).setOrgName(orgName)
                        .setBaseDomain(Dependencies.BASE_DOMAIN).setStatus(OrgDnsStatus.READY)
                        .setZoneName(orgNaming.zoneName(orgName)).setAwsAccount(account).setZoneId(zoneId)
                        .setZoneGeneration(1).setZoneCreatedAt(created)
                        .setNameServers(List.of("ns-" + random.nextInt(2048) + ".awsdns-" + random.nextInt(64)
                                        + ".org", "ns-" + random.nextInt(2048) + ".awsdns-" + random.nextInt(64)
                                        + ".co.uk", "ns-" + random.nextInt(2048) + ".awsdns-" + random.nextInt(64)
                                        + ".com", "ns-" + random.nextInt(2048) + ".awsdns-" + random.nextInt(64)
                                        + ".net"))
                        .setIamUserName(orgNaming.iamUserName(orgId, orgName)).setAccessKeyId(accessKeyId)
                        .setCredentialsVaultPath(orgNaming.credentialsPath(orgId)).setClusters(clusters)
                        .setLastLifecyclePartition(random.nextInt(Dependencies.PARTITIONS))
                        .setLastLifecycleOffset((long) random.nextInt(1_000_000))
                        .setLastLifecycleTopic(TopicNames.LIFECYCLE_BY_ORG).setLastEventId(UUID.randomUUID())
                        .setUpdatedAt(created.plusSeconds(60)).build();
                send(producer, serializer, TopicNames.ORG_DNS, orgId, dns);
            }
            producer.flush();
        }
    }

    private static void send(Producer<byte[], byte[]> producer, AvroSerializer<SpecificRecord> serializer,
                             String topic, String key, SpecificRecord value) {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                serializer.serialize(topic, value)), (metadata, e) -> {
                    if (e != null) {
                        throw new IllegalStateException("could not fill " + topic, e);
                    }
                });
    }

    private String hex(int bytes) {
        byte[] value = new byte[bytes];
        random.nextBytes(value);
        return HexFormat.of().formatHex(value);
    }
}
