package io.zonekeeper.reaper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.kafka.KafkaClients;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.SharedKafka;
import io.zonekeeper.testkit.registry.SchemaRegistryStandIn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Exactly-once on the real broker: counts and pending reaps survive a restart onto an empty state directory. */
class ReaperRestartTest {

    private final KafkaBroker kafka = SharedKafka.get();
    private final SchemaRegistryStandIn registryServer = SchemaRegistryStandIn.start();
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final Topics topics = new Topics("lifecycle-" + suffix, "dns-" + suffix, "clusters-" + suffix,
            "reap-" + suffix, "audit-" + suffix);
    private final SchemaRegistryClient registry = SchemaRegistries.forUrl(registryServer.endpoint().toString(),
            new Retry(new RetrySettings(3, Duration.ofMillis(10), Duration.ofMillis(50), 0.5), new SimpleMeterRegistry()));
    private final KafkaClients clients = new KafkaClients(new KafkaSettings(kafka.bootstrapServers(),
            registryServer.endpoint().toString(), Map.of()), new ServiceIdentity("test", "local"));
    private final Producer<byte[], byte[]> producer = clients.producer();
    private final List<ReaperService> running = new ArrayList<>();

    @AfterEach
    void stop() {
        running.forEach(ReaperService::close);
        producer.close();
        registryServer.close();
    }

    @Test
    void countsAndPendingReapsSurviveARestartOntoAnEmptyStateDirectory() throws Exception {
        for (String topic : List.of(topics.lifecycle(), topics.reap(), topics.audit(), topics.lifecycle() + ".dlq")) {
            kafka.createTopic(topic, 3, false);
        }
        kafka.createTopic(topics.orgDns(), 3, true);
        kafka.createTopic(topics.orgClusters(), 3, true);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        send(topics.orgDns(), "org-1", new AvroSerializer<OrgDnsState>(registry, false, true).serialize(topics.orgDns(),
                OrgDnsState.newBuilder().setOrgId("org-1").setOrgName("acme").setBaseDomain("example.com")
                        .setStatus(OrgDnsStatus.READY).setZoneName("acme.example.com.").setZoneId("Z1")
                        .setZoneGeneration(1).setZoneCreatedAt(now.minus(Duration.ofDays(10))).setUpdatedAt(now).build()));

        ReaperService first = start();
        emit("c-1", ClusterStatus.RUNNING, now.minusSeconds(60));
        emit("c-2", ClusterStatus.RUNNING, now.minusSeconds(50));
        emit("c-1", ClusterStatus.STOPPED, now.minusSeconds(40));
        emit("c-2", ClusterStatus.STOPPED, now.minusSeconds(30));
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            OrgClusters latest = latestOrgClusters();
            return latest != null && latest.getRunningClusters() == 0 && latest.getPendingReapAt() != null;
        });
        first.close();
        running.remove(first);

        start();
        // c-1's RUNNING, older than its STOPPED, must stay ignored after the restart; c-3 is new.
        emit("c-1", ClusterStatus.RUNNING, now.minusSeconds(45));
        emit("c-3", ClusterStatus.RUNNING, now.minusSeconds(10));

        await().atMost(Duration.ofSeconds(60)).until(() -> {
            OrgClusters latest = latestOrgClusters();
            return latest != null && latest.getClusterIds().contains("c-3");
        });
        OrgClusters latest = latestOrgClusters();
        assertThat(latest.getClusterIds()).containsExactly("c-3");
        assertThat(latest.getPendingReapAt()).isNull();
        await().atMost(Duration.ofSeconds(30)).until(() -> audits().contains(AuditAction.REAP_CANCELLED));
        assertThat(audits()).containsExactly(AuditAction.REAP_SCHEDULED, AuditAction.REAP_CANCELLED);
        assertThat(read(topics.reap())).isEmpty();
    }

    private ReaperService start() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", registryServer.endpoint().toString());
        env.put("LIFECYCLE_TOPIC", topics.lifecycle());
        env.put("ORG_DNS_TOPIC", topics.orgDns());
        env.put("ORG_CLUSTERS_TOPIC", topics.orgClusters());
        env.put("REAP_TOPIC", topics.reap());
        env.put("AUDIT_TOPIC", topics.audit());
        env.put("APPLICATION_ID", "reaper-" + suffix);
        env.put("STATE_DIR", Files.createTempDirectory("reaper-state").toString());
        env.put("HTTP_PORT", "0");
        env.put("REAP_MONTH_END_WINDOW", "1ms");
        env.put("PUNCTUATE_EVERY", "1s");
        // A closed Streams member is not removed before its session times out: keep the broker's minimum.
        env.put("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "6000");
        ReaperService service = ReaperService.start(ReaperConfig.read(new EnvReader(env)));
        running.add(service);
        return service;
    }

    private void emit(String clusterId, ClusterStatus status, Instant at) throws Exception {
        send(topics.lifecycle(), "org-1", new AvroSerializer<ClusterLifecycleEvent>(registry, false, true)
                .serialize(topics.lifecycle(), ClusterLifecycleEvent.newBuilder().setEventId(UUID.randomUUID())
                        .setOccurredAt(at).setOrgId("org-1").setOrgName("acme").setClusterId(clusterId)
                        .setClusterName("c").setStatus(status).setCloud("amazon").setRegion("eu-west-1")
                        .setKubeconfigVaultPath("k").build()));
    }

    private void send(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
    }

    private OrgClusters latestOrgClusters() {
        var deserializer = new AvroDeserializer<>(OrgClusters.class, registry);
        List<byte[]> values = read(topics.orgClusters());
        return values.isEmpty() ? null : deserializer.deserialize(topics.orgClusters(), values.get(values.size() - 1));
    }

    private List<AuditAction> audits() {
        var deserializer = new AvroDeserializer<>(AuditEvent.class, registry);
        return read(topics.audit()).stream().map(v -> deserializer.deserialize(topics.audit(), v))
                .map(AuditEvent::getAction).toList();
    }

    private List<byte[]> read(String topic) {
        List<byte[]> values = new ArrayList<>();
        try (var consumer = clients.consumer("reader-" + UUID.randomUUID())) {
            var partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }
}
