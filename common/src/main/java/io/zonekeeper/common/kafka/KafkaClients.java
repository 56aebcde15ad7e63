package io.zonekeeper.common.kafka;

import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.ServiceIdentity;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Builds the Kafka clients every service uses, with the settings Zonekeeper's guarantees rely on: consumers
 * commit by hand (only after effects are durable) and read only committed data; producers are idempotent and
 * wait for all in-sync replicas. Records travel as bytes and are (de)serialized by the services, so a bad record
 * never wedges a poll loop.
 */
public final class KafkaClients {

    private final KafkaSettings settings;
    private final ServiceIdentity identity;

    public KafkaClients(KafkaSettings settings, ServiceIdentity identity) {
        this.settings = settings;
        this.identity = identity;
    }

    public Map<String, Object> common() {
        Map<String, Object> config = new HashMap<>(settings.clientProperties());
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        return config;
    }

    public Map<String, Object> consumerConfig(String groupId) {
        Map<String, Object> config = common();
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        // A crashed instance's partitions wait for its session to time out; Kafka's 45 s default is a long stall
        // for a pod that restarts in seconds under a new name (static membership needs stable names). 10 s, with
        // heartbeats every 3 s, still rides out a GC pause; KAFKA_CLIENT_SESSION_TIMEOUT_MS overrides it.
        config.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        config.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, identity.service() + "-" + identity.instance() + "-" + groupId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return config;
    }

    public Consumer<byte[], byte[]> consumer(String groupId) {
        return new KafkaConsumer<>(consumerConfig(groupId));
    }

    public Map<String, Object> producerConfig() {
        Map<String, Object> config = common();
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        config.put(ProducerConfig.CLIENT_ID_CONFIG, identity.service() + "-" + identity.instance());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return config;
    }

    public Producer<byte[], byte[]> producer() {
        return new KafkaProducer<>(producerConfig());
    }

    /**
     * The {@link Ingress} of this process: a consumer of the ingress group and a transactional producer of its own.
     * The transactional id is unique per process start, as Kafka Streams makes its own: fencing comes from the
     * group's generation (KIP-447), and a process that dies inside a transaction holds back readers of the
     * by-organization topics only until the short transaction timeout aborts it.
     */
    public Ingress ingress(String group, List<Ingress.Route> routes, Duration retryPause) {
        Map<String, Object> producer = producerConfig();
        producer.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                group + "-" + identity.service() + "-" + identity.instance() + "-" + UUID.randomUUID());
        producer.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) INGRESS_TRANSACTION_TIMEOUT.toMillis());
        producer.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new Ingress(consumer(group), new KafkaProducer<>(producer), routes, retryPause);
    }

    /** How long an ingress transaction may stay open: each forwards one poll's batch, in milliseconds. */
    static final Duration INGRESS_TRANSACTION_TIMEOUT = Duration.ofSeconds(10);

    public Admin admin() {
        return Admin.create(common());
    }
}
