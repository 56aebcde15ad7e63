package io.zonekeeper.common.kafka;

import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
 * <p>The mirror holds each state as the bytes the topic holds, deflated ({@link DeflatedBytes}), and decodes it when
 * read: a decoded Avro record is several times its encoded size (a String and its array per field, an
 * {@code Instant} per timestamp), and every instance mirrors the whole topic, so at 500,000 certificates decoded
 * states alone would not fit a 512 MiB heap. What a handler needs of every state (counts, due times) it keeps beside
 * the mirror through a {@link Listener}, instead of decoding the mirror to walk it.
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
    /**
     * Each state's encoded value (Confluent-framed Avro, as the topic holds it), deflated, sorted by key, so the
     * states of one key prefix (an organization's, a cluster's) are a range, not a walk.
     */
    private final ConcurrentNavigableMap<String, byte[]> states = new ConcurrentSkipListMap<>();
    private final DeflatedBytes deflated = new DeflatedBytes();
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
        states.forEach((key, bytes) -> listener.changed(key, null, decode(bytes)));
        listeners.add(listener);
    }

    public Optional<V> get(String key) {
        return Optional.ofNullable(states.get(key)).map(this::decode);
    }

    /** The states whose keys start with {@code prefix}, in key order: a handful, decoded now. */
    public List<V> withPrefix(String prefix) {
        return states.subMap(prefix, true, prefix + Character.MAX_VALUE, false).values().stream()
                .map(this::decode).toList();
    }

    /** How many states are held; counted by walking the mirror (a sorted concurrent map keeps no count). */
    public int size() {
        return states.size();
    }

    /** Publishes the state and waits for the broker, so the caller may commit the record that caused it. */
    public void publish(V state) {
        String key = keyOf.apply(state);
        byte[] bytes = serializer.serialize(topic, state);
        send(key, bytes);
        store(key, bytes, state);
    }

    /** Publishes a tombstone: nothing is left under the key. */
    public void forget(String key) {
        send(key, null);
        store(key, null, null);
    }

    /**
     * Changes the mirror and tells the listeners, one change at a time (the follower and publishers race).
     *
     * @param state {@code bytes} decoded, or null when there are no bytes
     */
    private synchronized void store(String key, byte[] bytes, V state) {
        byte[] packed = bytes == null ? null : deflated.pack(bytes);
        byte[] before = packed == null ? states.remove(key) : states.put(key, packed);
        if (!listeners.isEmpty() && !Arrays.equals(before, packed)) {
            V old = before == null ? null : decode(before);
            // The key the map kept (a put on a present key keeps the first): listeners that index by key then
            // share one String per state instead of holding a copy of each key written since the start.
            String held = bytes == null ? key : states.ceilingKey(key);
            listeners.forEach(listener -> listener.changed(held, old, state));
        }
    }

    /** Applies a state read from the topic unless the mirror holds a newer one for its key. */
    private synchronized void storeUnlessOlder(String key, byte[] bytes, V incoming) {
        byte[] current = states.get(key);
        if (current == null || !updatedAtOf.apply(incoming).isBefore(updatedAtOf.apply(decode(current)))) {
            store(key, bytes, incoming);
        }
    }

    /** A state the mirror holds; it was read (or written) once already, so its schema is known and it decodes. */
    private V decode(byte[] packed) {
        return deserializer.deserialize(topic, deflated.unpack(packed));
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
            store(key, null, null);
            return;
        }
        try {
            V state = deserializer.deserialize(record.topic(), record.value());
            // Our own writes arrive here too, after they were applied; never let an older one win.
            storeUnlessOlder(key, record.value(), state);
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
