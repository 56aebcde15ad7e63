package io.zonekeeper.common.kafka;

import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's own state, kept in a compacted topic and mirrored here: restored by reading the topic to its end
 * before processing starts, then followed, so the service knows what it already did without asking the outside
 * world. Writes go to the topic first and into the mirror once the broker has them. The provisioner keeps each
 * organization's DNS state this way, the cert service each certificate's state.
 *
 * @param <V> the Avro record stored under each key
 */
public final class StateTopic<V extends SpecificRecord> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StateTopic.class);

    private final String topic;
    private final Producer<byte[], byte[]> producer;
    private final AvroSerializer<V> serializer;
    private final AvroDeserializer<V> deserializer;
    private final Consumer<byte[], byte[]> follower;
    private final Function<V, String> keyOf;
    private final Function<V, Instant> updatedAtOf;
    private final Map<String, V> states = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private Thread followerThread;

    /**
     * @param follower    an unsubscribed consumer without a group, reading committed records only
     * @param keyOf       the record key of a state
     * @param updatedAtOf when a state was published: of two states for one key, the later one wins
     */
    public StateTopic(String topic, Producer<byte[], byte[]> producer, AvroSerializer<V> serializer,
                      AvroDeserializer<V> deserializer, Consumer<byte[], byte[]> follower, Function<V, String> keyOf,
                      Function<V, Instant> updatedAtOf) {
        this.topic = topic;
        this.producer = producer;
        this.serializer = serializer;
        this.deserializer = deserializer;
        this.follower = follower;
        this.keyOf = keyOf;
        this.updatedAtOf = updatedAtOf;
    }

    /** Reads the topic from the beginning to its current end, then keeps following it in the background. */
    public StateTopic<V> restore(Duration timeout) {
        List<PartitionInfo> partitions = follower.partitionsFor(topic);
        if (partitions == null || partitions.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        List<TopicPartition> all = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        follower.assign(all);
        follower.seekToBeginning(all);
        Map<TopicPartition, Long> end = follower.endOffsets(all);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (all.stream().anyMatch(tp -> follower.position(tp) < end.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
            }
            follower.poll(Duration.ofMillis(200)).forEach(this::apply);
        }
        LOG.info("restored {} states from {}", states.size(), topic);
        followerThread = new Thread(this::follow, topic + "-follower");
        followerThread.setDaemon(true);
        followerThread.start();
        return this;
    }

    public Optional<V> get(String key) {
        return Optional.ofNullable(states.get(key));
    }

    /** A live view of every state; iteration sees a consistent-enough snapshot for periodic scans. */
    public Collection<V> all() {
        return Collections.unmodifiableCollection(states.values());
    }

    public int size() {
        return states.size();
    }

    /** Publishes the state and waits for the broker, so the caller may commit the record that caused it. */
    public void publish(V state) {
        String key = keyOf.apply(state);
        send(key, serializer.serialize(topic, state));
        states.put(key, state);
    }

    /** Publishes a tombstone: nothing is left under the key. */
    public void forget(String key) {
        send(key, null);
        states.remove(key);
    }

    private void send(String key, byte[] value) {
        Delivery.await(producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)),
                "the state of " + key + " to " + topic);
    }

    private void follow() {
        try {
            while (running.get()) {
                follower.poll(Duration.ofMillis(500)).forEach(this::apply);
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            follower.close();
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        String key = new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            states.remove(key);
            return;
        }
        try {
            V state = deserializer.deserialize(record.topic(), record.value());
            // Our own writes arrive here too, after they were applied; never let an older one win.
            states.merge(key, state, (current, incoming) ->
                    updatedAtOf.apply(incoming).isBefore(updatedAtOf.apply(current)) ? current : incoming);
        } catch (RuntimeException e) {
            LOG.error("ignoring an unreadable state record {}-{}@{}", record.topic(), record.partition(),
                    record.offset(), e);
        }
    }

    @Override
    public void close() {
        running.set(false);
        follower.wakeup();
    }
}
