package io.zonekeeper.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.serde.AvroSerdeException;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.RegistryAccess;
import io.zonekeeper.common.serde.RestSchemaRegistryClient;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.SharedKafka;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The serde, the registry client and the Kafka client factories together, against a real broker. */
class LifecycleEventsThroughBrokerTest {

    private static final KafkaBroker KAFKA = SharedKafka.get();
    private static ApicurioRegistry registryServer;
    private static SchemaRegistryClient registry;
    private static KafkaClients clients;

    @BeforeAll
    static void start() {
        registryServer = ApicurioRegistry.shared();
        Retry retry = new Retry(new RetrySettings(3, Duration.ofMillis(10), Duration.ofMillis(50), 0.5),
                new SimpleMeterRegistry());
        registry = new RestSchemaRegistryClient(registryServer.endpoint(), retry, RegistryAccess.NONE);
        clients = new KafkaClients(new KafkaSettings(KAFKA.bootstrapServers(), registryServer.endpoint().toString(),
                Map.of()), new ServiceIdentity("test", "local"));
    }


    @Test
    void anEventGoesThroughTheBrokerAndComesBackEqual() {
        String topic = "lifecycle-roundtrip-" + UUID.randomUUID();
        KAFKA.createTopic(topic, 3, false);
        ClusterLifecycleEvent event = event("acme", ClusterStatus.RUNNING);

        try (Producer<byte[], byte[]> producer = clients.producer()) {
            producer.send(new ProducerRecord<>(topic, key(event), new AvroSerializer<ClusterLifecycleEvent>(registry,
                    false, true).serialize(topic, event))).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }

        List<ConsumerRecord<byte[], byte[]>> records = consume(topic, 1);
        ClusterLifecycleEvent back = new RecordDecoder<>(ClusterLifecycleEvent.class, registry).decode(records.get(0));
        assertThat(back).isEqualTo(event);
        assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo(event.getOrgId());
    }

    @Test
    void aCorruptedRecordSurfacesAsTheTypedExceptionWithItsPosition() throws Exception {
        String topic = "lifecycle-corrupt-" + UUID.randomUUID();
        KAFKA.createTopic(topic, 1, false);
        ClusterLifecycleEvent event = event("acme", ClusterStatus.RUNNING);
        byte[] good = new AvroSerializer<ClusterLifecycleEvent>(registry, false, true).serialize(topic, event);
        byte[] corrupted = java.util.Arrays.copyOf(good, 12);

        try (Producer<byte[], byte[]> producer = clients.producer()) {
            producer.send(new ProducerRecord<>(topic, key(event), good)).get();
            producer.send(new ProducerRecord<>(topic, key(event), corrupted)).get();
            producer.send(new ProducerRecord<>(topic, key(event), "not avro".getBytes(StandardCharsets.UTF_8))).get();
        }

        List<ConsumerRecord<byte[], byte[]>> records = consume(topic, 3);
        RecordDecoder<ClusterLifecycleEvent> decoder = new RecordDecoder<>(ClusterLifecycleEvent.class, registry);
        assertThat(decoder.decode(records.get(0))).isEqualTo(event);
        assertThatThrownBy(() -> decoder.decode(records.get(1)))
                .isInstanceOfSatisfying(UndecodableRecordException.class, e -> {
                    assertThat(e.topic()).isEqualTo(topic);
                    assertThat(e.partition()).isZero();
                    assertThat(e.offset()).isEqualTo(1);
                    assertThat(e.problem()).isEqualTo(AvroSerdeException.Problem.UNDECODABLE_PAYLOAD);
                });
        assertThatThrownBy(() -> decoder.decode(records.get(2)))
                .isInstanceOfSatisfying(UndecodableRecordException.class, e -> {
                    assertThat(e.offset()).isEqualTo(2);
                    assertThat(e.problem()).isEqualTo(AvroSerdeException.Problem.UNKNOWN_MAGIC_BYTE);
                });
    }

    private List<ConsumerRecord<byte[], byte[]>> consume(String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (Consumer<byte[], byte[]> consumer = clients.consumer("test-" + UUID.randomUUID())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertThat(records).hasSize(expected);
        return records;
    }

    static ClusterLifecycleEvent event(String orgName, ClusterStatus status) {
        return ClusterLifecycleEvent.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setOrgId("org-" + orgName)
                .setOrgName(orgName)
                .setClusterId("cluster-" + UUID.randomUUID())
                .setClusterName("prod")
                .setStatus(status)
                .setCloud("amazon")
                .setRegion("eu-west-1")
                .setKubeconfigVaultPath("clusters/" + orgName + "/prod/kubeconfig")
                .build();
    }

    private static byte[] key(ClusterLifecycleEvent event) {
        return event.getOrgId().getBytes(StandardCharsets.UTF_8);
    }
}
