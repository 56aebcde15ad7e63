package io.zonekeeper.local;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.schemas.CertificateRequest;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Plays the upstream provisioner: organizations create clusters, run them, stop and delete some; one organization
 * leaves altogether (its zone is young, so the reaper deletes it at once, for free); another one, migrated from
 * an older system with its zone already in Route53, leaves too (its zone counts as paid for, so the reaper waits
 * for the month-end window); a cluster asks for a certificate for its database, another for a name outside its
 * zone; and a few malformed events arrive. Steps are {@code pace} apart.
 */
final class ScenarioDriver implements Runnable {

    private static final String[] NAMES = {"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne",
            "tyrell", "cyberdyne", "soylent", "aperture", "massive"};

    /** One thing the upstream does, {@code at} after the scenario starts. */
    private record Step(Duration at, String description, Runnable action) {
    }

    private final Dependencies dependencies;
    private final int organizations;
    private final int clustersPerOrg;
    private final Duration pace;
    private final Producer<byte[], byte[]> producer;
    private final SchemaRegistryClient registry;
    private final List<Step> steps = new ArrayList<>();
    private final Random random;
    private volatile int done;

    ScenarioDriver(Dependencies dependencies, int organizations, int clustersPerOrg, Duration pace, long seed) {
        this.dependencies = dependencies;
        this.organizations = organizations;
        this.clustersPerOrg = clustersPerOrg;
        this.pace = pace;
        this.random = new Random(seed);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, dependencies.kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.registry = SchemaRegistries.forUrl(dependencies.registry.endpoint().toString(),
                new Retry(new RetrySettings(5, Duration.ofMillis(100), Duration.ofSeconds(2), 0.5),
                        new SimpleMeterRegistry()));
        plan();
    }

    static String orgName(int org) {
        String base = NAMES[org % NAMES.length];
        return org < NAMES.length ? base : base + (org / NAMES.length);
    }

    static String orgId(int org) {
        return "org-" + org;
    }

    static String clusterId(int org, int cluster) {
        return orgName(org) + "-c" + cluster;
    }

    /** The organization whose zone existed before the scenario, or -1 when there are too few organizations. */
    int migratedOrg() {
        return organizations >= 3 ? organizations - 2 : -1;
    }

    int steps() {
        return steps.size();
    }

    int done() {
        return done;
    }

    /** Every cluster of the scenario, for the simulated clusters to exist before events name them. */
    List<String> clusterIds() {
        List<String> ids = new ArrayList<>();
        for (int o = 0; o < organizations; o++) {
            for (int c = 0; c < clustersPerOrg; c++) {
                ids.add(clusterId(o, c));
            }
        }
        return ids;
    }

    private void plan() {
        long tick = 0;
        for (int o = 0; o < organizations; o++) {
            int org = o;
            boolean leaving = (o == organizations - 1 && organizations > 1) || o == migratedOrg();
            for (int c = 0; c < clustersPerOrg; c++) {
                int cluster = c;
                long start = tick + random.nextInt(3);
                add(start, org, cluster, ClusterStatus.PROVISIONING);
                add(start + 2, org, cluster, ClusterStatus.RUNNING);
                if (leaving || (c > 0 && random.nextBoolean())) {
                    // Test clusters (and every cluster of the leaving organization) stop, then go away.
                    add(start + 12 + random.nextInt(6), org, cluster, ClusterStatus.STOPPED);
                    add(start + 22 + random.nextInt(6), org, cluster, ClusterStatus.DELETED);
                }
            }
            tick += 2;
        }
        if (organizations > 0) {
            steps.add(new Step(pace.multipliedBy(tick + 6), orgName(0) + " asks for a database certificate",
                    () -> request(0, "mysql", "mysql." + clusterId(0, 0) + "." + orgName(0) + "." + Dependencies.BASE_DOMAIN)));
            steps.add(new Step(pace.multipliedBy(tick + 7), orgName(0) + " asks for another tenant's name",
                    () -> request(0, "steal", "api.other-tenant." + Dependencies.BASE_DOMAIN)));
            steps.add(new Step(pace.multipliedBy(tick + 8), "an undecodable record", () -> sendRaw(
                    "cluster.lifecycle.v1", orgId(0), "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8))));
            steps.add(new Step(pace.multipliedBy(tick + 9), "an organization name with a dot", () -> send(
                    "cluster.lifecycle.v1", orgId(0), event(orgId(0), orgName(0) + ".evil", clusterId(0, 0),
                            ClusterStatus.RUNNING))));
        }
        steps.sort(Comparator.comparing(Step::at));
    }

    private void add(long tick, int org, int cluster, ClusterStatus status) {
        steps.add(new Step(pace.multipliedBy(tick), clusterId(org, cluster) + " " + status, () -> send(
                "cluster.lifecycle.v1", orgId(org), event(orgId(org), orgName(org), clusterId(org, cluster), status))));
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        try {
            for (Step step : steps) {
                long wait = step.at().toNanos() - (System.nanoTime() - start);
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                step.action().run();
                done++;
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            producer.close(Duration.ofSeconds(5));
        }
    }

    private ClusterLifecycleEvent event(String orgId, String orgName, String clusterId, ClusterStatus status) {
        return ClusterLifecycleEvent.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now())
                .setOrgId(orgId)
                .setOrgName(orgName)
                .setClusterId(clusterId)
                .setClusterName(clusterId.substring(clusterId.lastIndexOf('-') + 1))
                .setStatus(status)
                .setCloud("amazon")
                .setRegion("eu-west-1")
                .setKubeconfigVaultPath(Dependencies.kubeconfigPath(clusterId))
                .build();
    }

    private void request(int org, String name, String dnsName) {
        send("cert.requests.v1", orgId(org), CertificateRequest.newBuilder()
                .setRequestId(UUID.randomUUID())
                .setRequestedAt(Instant.now())
                .setRequestedBy("scenario-driver")
                .setOrgId(orgId(org))
                .setClusterId(clusterId(org, 0))
                .setCertificateName(name)
                .setDnsNames(List.of(dnsName))
                .build());
    }

    private void send(String topic, String key, SpecificRecord value) {
        sendRaw(topic, key, new AvroSerializer<>(registry, false, true).serialize(topic, value));
    }

    private void sendRaw(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
    }
}
