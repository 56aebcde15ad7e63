package io.zonekeeper.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.RegistryAccess;
import io.zonekeeper.common.serde.RestSchemaRegistryClient;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.SharedKafka;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The state mirror against a real broker and registry: it holds encoded states and decodes them when read, so what
 * comes back must equal what was written, across a restore, with listeners told of every change.
 */
class StateTopicTest {

    private static final KafkaBroker KAFKA = SharedKafka.get();
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    private static SchemaRegistryClient registry;
    private static KafkaClients clients;

    /** Closed last opened first: the mirrors before the producer they write with. */
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private String topic;
    private Producer<byte[], byte[]> producer;

    @BeforeAll
    static void start() {
        ApicurioRegistry registryServer = ApicurioRegistry.shared();
        Retry retry = new Retry(new RetrySettings(3, Duration.ofMillis(10), Duration.ofMillis(50), 0.5),
                new SimpleMeterRegistry());
        registry = new RestSchemaRegistryClient(registryServer.endpoint(), retry, RegistryAccess.NONE);
        clients = new KafkaClients(new KafkaSettings(KAFKA.bootstrapServers(), registryServer.endpoint().toString(),
                Map.of()), new ServiceIdentity("test", "local"));
    }

    @BeforeEach
    void topic() {
        topic = "state-" + UUID.randomUUID();
        KAFKA.createTopic(topic, 3, new TopicLayout.Topic(topic, 3, true).configs());
        producer = clients.producer();
        opened.addFirst(producer);
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
    }

    @Test
    void whatIsWrittenIsReadBackEqualAfterARestoreAndPrefixesAreKeyRanges() {
        StateTopic<OrgDnsState> writer = mirror();
        OrgDnsState one = state("org-1", T0);
        writer.publish(one);
        writer.publish(state("org-10", T0));
        writer.publish(state("org-2", T0));
        writer.forget("org-2");

        StateTopic<OrgDnsState> restored = mirror();
        assertThat(restored.get("org-1")).contains(one);
        assertThat(restored.get("org-2")).isEmpty();
        assertThat(restored.size()).isEqualTo(2);
        assertThat(restored.withPrefix("org-1")).extracting(OrgDnsState::getOrgId).containsExactly("org-1", "org-10");
        assertThat(restored.withPrefix("org-1/")).isEmpty();
    }

    @Test
    void listenersAreToldOfWhatIsHeldThenOfEveryChangeWithTheStateBeforeIt() {
        StateTopic<OrgDnsState> writer = mirror();
        OrgDnsState first = state("org-1", T0);
        writer.publish(first);
        StateTopic<OrgDnsState> follower = mirror();
        List<String> changes = new CopyOnWriteArrayList<>();
        List<String> keys = new CopyOnWriteArrayList<>();
        follower.listen((key, before, after) -> {
            keys.add(key);
            changes.add(key + ": " + updatedAt(before) + " -> " + updatedAt(after));
        });

        writer.publish(state("org-1", T0.plusSeconds(1)));
        writer.publish(state("org-1", T0.plusSeconds(1)));
        writer.forget("org-1");

        await().atMost(Duration.ofSeconds(20)).until(() -> changes.size() >= 3);
        assertThat(changes).containsExactly(
                "org-1: null -> " + T0,
                "org-1: " + T0 + " -> " + T0.plusSeconds(1),
                "org-1: " + T0.plusSeconds(1) + " -> null");
        // One String per key however often it changes: indexes kept beside the mirror hold no copies of keys.
        assertThat(keys.get(1)).isSameAs(keys.get(0));
    }

    @Test
    void anOlderStateReadAfterANewerOneDoesNotReplaceIt() throws Exception {
        StateTopic<OrgDnsState> mirror = mirror();
        OrgDnsState newer = state("org-1", T0.plusSeconds(60));
        mirror.publish(newer);

        // A stale writer (a fenced instance's late send) puts an older state after it, then a marker.
        AvroSerializer<OrgDnsState> serializer = new AvroSerializer<>(registry, false, true);
        send("org-1", serializer.serialize(topic, state("org-1", T0)));
        send("marker", serializer.serialize(topic, state("marker", T0)));

        await().atMost(Duration.ofSeconds(20)).until(() -> mirror.get("marker").isPresent());
        assertThat(mirror.get("org-1")).contains(newer);
        assertThat(mirror().get("org-1")).contains(newer);
    }

    private void send(String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
    }

    private StateTopic<OrgDnsState> mirror() {
        Map<String, Object> config = clients.consumerConfig("unused");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        StateTopic<OrgDnsState> mirror = new StateTopic<>(topic, producer, new AvroSerializer<>(registry, false, true),
                new AvroDeserializer<>(OrgDnsState.class, registry), new KafkaConsumer<>(config),
                OrgDnsState::getOrgId, OrgDnsState::getUpdatedAt).restore(Duration.ofSeconds(30));
        opened.addFirst(mirror);
        return mirror;
    }

    private static String updatedAt(OrgDnsState state) {
        return state == null ? "null" : state.getUpdatedAt().toString();
    }

    private static OrgDnsState state(String orgId, Instant updatedAt) {
        return OrgDnsState.newBuilder().setOrgId(orgId).setOrgName("acme").setBaseDomain("zonekeeper.test")
                .setStatus(OrgDnsStatus.READY).setZoneName("acme.zonekeeper.test.").setZoneId("Z" + orgId)
                .setUpdatedAt(updatedAt).build();
    }
}
