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
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
    /** Sorted by key, so the states of one key prefix (an organization's, a cluster's) are a range, not a walk. */
    private final ConcurrentNavigableMap<String, V> states = new ConcurrentSkipListMap<>();
    private final List<Listener<V>> listeners = new CopyOnWriteArrayList<>();
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

    /**
     * Told of every change of the mirror as it is made, one at a time: what was under the key before (null:
     * nothing) and after (null: removed). For running counts and indexes kept beside the mirror instead of
     * walking it.
     */
    public interface Listener<V> {
        void changed(String key, V before, V after);
    }

    /** Adds a listener, first telling it every state held now as added; from then on every change. */
    public synchronized void listen(Listener<V> listener) {
        states.forEach((key, state) -> listener.changed(key, null, state));
        listeners.add(listener);
    }

    public Optional<V> get(String key) {
        return Optional.ofNullable(states.get(key));
    }

    /** A live view of the states whose keys start with {@code prefix}, in key order. */
    public Collection<V> withPrefix(String prefix) {
        return Collections.unmodifiableCollection(states.subMap(prefix, true, prefix + Character.MAX_VALUE, false)
                .values());
    }

    /** A live view of every state; iteration sees a consistent-enough snapshot for periodic scans. */
    public Collection<V> all() {
        return Collections.unmodifiableCollection(states.values());
    }

    /** How many states are held; counted by walking the mirror (a sorted concurrent map keeps no count). */
    public int size() {
        return states.size();
    }

    /** Publishes the state and waits for the broker, so the caller may commit the record that caused it. */
    public void publish(V state) {
        String key = keyOf.apply(state);
        send(key, serializer.serialize(topic, state));
        store(key, state);
    }

    /** Publishes a tombstone: nothing is left under the key. */
    public void forget(String key) {
        send(key, null);
        store(key, null);
    }

    /** Changes the mirror and tells the listeners, one change at a time (the follower and publishers race). */
    private synchronized void store(String key, V state) {
        V before = state == null ? states.remove(key) : states.put(key, state);
        if (!Objects.equals(before, state)) {
            listeners.forEach(listener -> listener.changed(key, before, state));
        }
    }

    /** Applies a state read from the topic unless the mirror holds a newer one for its key. */
    private synchronized void storeUnlessOlder(String key, V incoming) {
        V current = states.get(key);
        if (current == null || !updatedAtOf.apply(incoming).isBefore(updatedAtOf.apply(current))) {
            store(key, incoming);
        }
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
            store(key, null);
            return;
        }
        try {
            V state = deserializer.deserialize(record.topic(), record.value());
            // Our own writes arrive here too, after they were applied; never let an older one win.
            storeUnlessOlder(key, state);
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
