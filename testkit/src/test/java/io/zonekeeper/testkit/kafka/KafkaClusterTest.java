package io.zonekeeper.testkit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.testkit.faults.Toxiproxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The three-node cluster the whole-system chaos run fails: what production relies on must hold here too, or the
 * run would test a cluster no one runs. An acknowledged record survives the SIGKILL of any one node, the partition's
 * leader and the quorum's controller included, once each, and is stored once; a write needs two of the three
 * copies ({@code min.insync.replicas=2}).
 */
class KafkaClusterTest {

    private static final String CLIENT = "service-a";
    private static KafkaCluster cluster;

    @BeforeAll
    static void start() {
        cluster = KafkaCluster.start(Set.of(CLIENT));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void acknowledgedRecordsSurviveTheLossOfTheLeaderAndOfTheControllerAndAreStoredOnce() throws Exception {
        String topic = "survives";
        cluster.createTopic(topic, 3, Map.of());
        Map<Integer, Boolean> acknowledged = new ConcurrentHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(cluster.bootstrapServers(), Duration.ofMinutes(2));
             Admin admin = Admin.create(cluster.adminConfig())) {
            int sent = 0;
            for (String victim : List.of("leader", "controller")) {
                sent = send(producer, topic, sent, 500, acknowledged);
                int node = victim.equals("leader")
                        ? admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                                .partitions().get(0).leader().id()
                        : admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
                cluster.kill(node);
                sent = send(producer, topic, sent, 500, acknowledged);
                cluster.restart(node);
            }
            sent = send(producer, topic, sent, 500, acknowledged);
            producer.flush();
            assertThat(acknowledged).hasSize(sent);
        }

        Map<Integer, Integer> stored = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : cluster.readAll(topic)) {
            stored.merge(Integer.parseInt(new String(record.value(), StandardCharsets.UTF_8)), 1, Integer::sum);
        }
        assertThat(stored.keySet()).containsAll(acknowledged.keySet());
        assertThat(stored.values()).as("idempotence: no record stored twice").containsOnly(1);
    }

    /** As production lays topics out: three copies of each partition, two of them needed to acknowledge a write. */
    @Test
    void aTopicHasThreeCopiesAndAWriteNeedsTwo() throws Exception {
        String topic = "laid-out";
        cluster.createTopic(topic, 2, Map.of());
        try (Admin admin = Admin.create(cluster.adminConfig())) {
            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(KafkaCluster.NODES));
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            assertThat(admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
                    .get("min.insync.replicas").value()).isEqualTo("2");
        }
    }

    /**
     * A routed client reaches the cluster only through its proxies, and its links alone can be slowed, black-holed
     * and cut: nothing it sends is acknowledged meanwhile while another client's records go through, and what it
     * sent is delivered once, and only once, when its links heal.
     */
    @Test
    void oneClientsLinksAreSlowedBlackHoledAndCutWhileAnotherClientsWork() throws Exception {
        String topic = "network";
        cluster.createTopic(topic, 1, Map.of());
        try (Toxiproxy toxiproxy = Toxiproxy.start();
             KafkaProducer<byte[], byte[]> routed = producer(cluster.bootstrapServers(CLIENT), Duration.ofMinutes(1));
             KafkaProducer<byte[], byte[]> direct = producer(cluster.bootstrapServers(), Duration.ofSeconds(4))) {
            KafkaProxies proxies = KafkaProxies.open(cluster, toxiproxy);
            send(routed, topic, "first");

            proxies.latency(CLIENT, Duration.ofMillis(300));
            long started = System.nanoTime();
            send(routed, topic, "slow");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            proxies.heal(CLIENT);

            proxies.blackHole(CLIENT);
            var held = routed.send(record(topic, "into the hole"));
            assertThatThrownBy(() -> held.get(3, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
            send(direct, topic, "another client's");
            proxies.heal(CLIENT);
            held.get(1, TimeUnit.MINUTES);

            proxies.cut(CLIENT);
            var refused = routed.send(record(topic, "while cut"));
            assertThatThrownBy(() -> refused.get(3, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
            proxies.heal(CLIENT);
            refused.get(1, TimeUnit.MINUTES);
        }
        assertThat(cluster.readAll(topic)).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactlyInAnyOrder("first", "slow", "into the hole", "another client's", "while cut");
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String value) {
        return new ProducerRecord<>(topic, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String value) throws Exception {
        producer.send(record(topic, value)).get(1, TimeUnit.MINUTES);
    }

    /** Sends {@code count} numbered records from {@code first}, waiting for each batch; returns the next number. */
    private static int send(KafkaProducer<byte[], byte[]> producer, String topic, int first, int count,
                            Map<Integer, Boolean> acknowledged) throws Exception {
        List<Future<?>> sends = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            int number = i;
            sends.add(producer.send(new ProducerRecord<>(topic, Integer.toString(number % 7).getBytes(
                    StandardCharsets.UTF_8), Integer.toString(number).getBytes(StandardCharsets.UTF_8)),
                    (metadata, e) -> {
                        if (e == null) {
                            acknowledged.put(number, true);
                        }
                    }));
        }
        for (var send : sends) {
            send.get(3, TimeUnit.MINUTES);
        }
        return first + count;
    }

    /** As the services produce: every in-sync replica acknowledges, idempotent. */
    private static KafkaProducer<byte[], byte[]> producer(String bootstrapServers, Duration deliveryTimeout) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) deliveryTimeout.toMillis());
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(3_000, deliveryTimeout.toMillis() - 100));
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
