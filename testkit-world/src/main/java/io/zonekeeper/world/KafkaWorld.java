package io.zonekeeper.world;

import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.OpsSettings;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.config.TopicSettings;
import io.zonekeeper.common.kafka.KafkaClients;
import io.zonekeeper.common.kafka.TopicLayout;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.RegistryAccess;
import io.zonekeeper.common.serde.RestSchemaRegistryClient;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.testkit.kafka.IngressTopics;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.SharedKafka;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What every service's tests talk to in Kafka, for one test: topics of its own on the shared broker (suffixed, so no
 * two tests share one), the shared Apicurio Registry, the upstream's topics and the ingress's, and the part of a
 * service's environment that says where they are, written here once. {@link ServiceWorld} adds Vault and clusters
 * for the services that use them; a service's world adds what only it talks to and starts the service from
 * {@link #env(ServiceEnvironment)}, keeping the services it starts ({@code S}) to stop them with the world.
 */
public class KafkaWorld<S extends AutoCloseable> implements AutoCloseable {

    public final KafkaBroker kafka = SharedKafka.get();
    public final ApicurioRegistry registryServer = ApicurioRegistry.shared();
    public final String suffix = UUID.randomUUID().toString().substring(0, 8);
    /** The upstream's topics, their by-organization copies the services read, and the ingress group. */
    public final IngressTopics ingress = IngressTopics.create(kafka, suffix, 3);
    public final String lifecycleTopic = ingress.lifecycle();
    public final String auditTopic = topic("audit.v1");
    public final SchemaRegistryClient registry;
    public final KafkaClients clients;
    private final Producer<byte[], byte[]> producer;
    private final Map<String, String> extraEnv = new HashMap<>();
    private final List<S> services = new ArrayList<>();

    protected KafkaWorld() {
        kafka.createTopic(auditTopic, 3, false);
        Retry retry = new Retry(new RetrySettings(3, Duration.ofMillis(10), Duration.ofMillis(50), 0.5),
                new SimpleMeterRegistry());
        registry = new RestSchemaRegistryClient(registryServer.endpoint(), retry, RegistryAccess.NONE);
        clients = new KafkaClients(new KafkaSettings(kafka.bootstrapServers(), registryServer.endpoint().toString(),
                Map.of()), new ServiceIdentity("test-driver", "local"));
        producer = clients.producer();
    }

    /** Keeps {@code service} to stop with the world; returns it. */
    protected final S started(S service) {
        services.add(service);
        return service;
    }

    /** The services started and not stopped, oldest first. */
    public List<S> services() {
        return List.copyOf(services);
    }

    /** Stops {@code service} (a crash a test stages is the service's own business). */
    public void stop(S service) {
        try {
            service.close();
        } catch (Exception e) {
            throw new AssertionError("could not stop " + service, e);
        }
        services.remove(service);
    }

    /** This world's name for a topic. */
    public final String topic(String name) {
        return name + "-" + suffix;
    }

    /** Creates a topic the service consumes (three partitions, as the by-organization topics) and its dead letters. */
    protected final String consumedTopic(String name) {
        String topic = topic(name);
        kafka.createTopic(topic, 3, false);
        kafka.createTopic(topic + ".dlq", 1, false);
        return topic;
    }

    /** Creates a compacted state topic, with the settings an installation's state topics get. */
    protected final String stateTopic(String name) {
        String topic = topic(name);
        kafka.createTopic(topic, 3, new TopicLayout.Topic(topic, 3, true).configs());
        return topic;
    }

    /**
     * What every service reads in this world, as production sets it: the broker and registry, the ingress's topics,
     * the audit topic and a free operations port.
     */
    protected ServiceEnvironment environment() {
        return new ServiceEnvironment().kafka(kafka.bootstrapServers(), registryServer.endpoint()).ingress(ingress)
                .set(TopicSettings.AUDIT, auditTopic).set(OpsSettings.HTTP_PORT, 0);
    }

    /** A setting for the services this world starts from now on, applied after every other. */
    public void setEnv(String name, String value) {
        extraEnv.put(name, value);
    }

    /** The environment a service of this world starts with: {@code service}, then what the test set ({@link #setEnv}). */
    protected final Map<String, String> env(ServiceEnvironment service) {
        Map<String, String> env = service.toMap();
        env.putAll(extraEnv);
        return env;
    }

    /** The world's producer, for parts a test builds without the whole service (an audit publisher). */
    protected final Producer<byte[], byte[]> producer() {
        return producer;
    }

    /**
     * A lifecycle event as the upstream sends it (a new event id, the time truncated to the milliseconds the schema
     * keeps), for a cluster whose kubeconfig is at {@code kubeconfigPath}.
     */
    public static ClusterLifecycleEvent lifecycleEvent(String orgId, String orgName, String clusterId,
                                                       String clusterName, ClusterStatus status, Instant occurredAt,
                                                       String kubeconfigPath) {
        return ClusterLifecycleEvent.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(occurredAt.truncatedTo(ChronoUnit.MILLIS))
                .setOrgId(orgId)
                .setOrgName(orgName)
                .setClusterId(clusterId)
                .setClusterName(clusterName)
                .setStatus(status)
                .setCloud("amazon")
                .setRegion("eu-west-1")
                .setKubeconfigVaultPath(kubeconfigPath)
                .build();
    }

    /** Sends a lifecycle event to the upstream's topic, keyed by its organization, as the upstream does. */
    public RecordMetadata emit(ClusterLifecycleEvent event) {
        return send(lifecycleTopic, event.getOrgId(), event);
    }

    /** Sends {@code value} keyed by {@code key} in the Confluent wire format, as any producer would. */
    public RecordMetadata send(String topic, String key, SpecificRecord value) {
        return sendRaw(topic, key, new AvroSerializer<>(registry, false, true).serialize(topic, value));
    }

    /** Sends bytes as they are: what a producer the services do not trust might send. */
    public RecordMetadata sendRaw(String topic, String key, byte[] value) {
        try {
            return producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    value)).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return kafka.readAll(topic);
    }

    /** The latest value per key of a state topic (null value: tombstone). */
    public <S extends SpecificRecord> Map<String, S> latest(String topic, Class<S> type) {
        Map<String, S> latest = new HashMap<>();
        var deserializer = new AvroDeserializer<>(type, registry);
        for (ConsumerRecord<byte[], byte[]> record : readAll(topic)) {
            latest.put(new String(record.key(), StandardCharsets.UTF_8),
                    record.value() == null ? null : deserializer.deserialize(topic, record.value()));
        }
        return latest;
    }

    public List<AuditEvent> audits() {
        var deserializer = new AvroDeserializer<>(AuditEvent.class, registry);
        return readAll(auditTopic).stream().map(r -> deserializer.deserialize(auditTopic, r.value())).toList();
    }

    /** Waits up to a minute for what {@code current} reads to be there and to meet {@code condition}; returns it. */
    public static <T> T awaitValue(Supplier<T> current, Predicate<T> condition) {
        AtomicReference<T> found = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            T value = current.get();
            found.set(value);
            return value != null && condition.test(value);
        });
        return found.get();
    }

    /** Waits until {@code group} has committed every record now in {@code topics}: all applied, refused or dead-lettered. */
    public void awaitCommitted(String group, List<String> topics) {
        try (var admin = clients.admin(); var consumer = clients.consumer("end-reader-" + UUID.randomUUID())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
                var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                return partitions.stream().allMatch(tp -> end.get(tp) == 0
                        || (committed.get(tp) != null && committed.get(tp).offset() >= end.get(tp)));
            });
        }
    }

    @Override
    public void close() {
        new ArrayList<>(services).forEach(this::stop);
        producer.close();
    }
}
