package io.zonekeeper.provisioner;

import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.schemas.OrgDnsState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * Every organization's DNS state, kept in the compacted {@code org.dns.v1} topic and mirrored here: restored by
 * reading the topic to its end before processing starts, then followed, so the provisioner knows which
 * organizations already have a ready zone without asking Route53. Writes go to the topic first and into the
 * mirror once the broker has them.
 */
public final class OrgStates implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OrgStates.class);

    private final String topic;
    private final Producer<byte[], byte[]> producer;
    private final AvroSerializer<OrgDnsState> serializer;
    private final AvroDeserializer<OrgDnsState> deserializer;
    private final Consumer<byte[], byte[]> follower;
    private final Map<String, OrgDnsState> states = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private Thread followerThread;

    public OrgStates(String topic, Producer<byte[], byte[]> producer, AvroSerializer<OrgDnsState> serializer,
                     AvroDeserializer<OrgDnsState> deserializer, Consumer<byte[], byte[]> follower) {
        this.topic = topic;
        this.producer = producer;
        this.serializer = serializer;
        this.deserializer = deserializer;
        this.follower = follower;
    }

    /** Reads the topic from the beginning to its current end, then keeps following it in the background. */
    public OrgStates restore(Duration timeout) {
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
        LOG.info("restored the DNS state of {} organizations from {}", states.size(), topic);
        followerThread = new Thread(this::follow, "org-states-follower");
        followerThread.setDaemon(true);
        followerThread.start();
        return this;
    }

    public Optional<OrgDnsState> get(String orgId) {
        return Optional.ofNullable(states.get(orgId));
    }

    public int size() {
        return states.size();
    }

    /** Publishes the state and waits for the broker, so the caller may commit the record that caused it. */
    public void publish(OrgDnsState state) {
        send(state.getOrgId(), serializer.serialize(topic, state));
        states.put(state.getOrgId(), state);
    }

    /** Publishes a tombstone: the organization has nothing left. */
    public void forget(String orgId) {
        send(orgId, null);
        states.remove(orgId);
    }

    private void send(String orgId, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, orgId.getBytes(StandardCharsets.UTF_8), value)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not publish the state of " + orgId, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted publishing the state of " + orgId, e);
        }
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
        String orgId = new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            states.remove(orgId);
            return;
        }
        try {
            OrgDnsState state = deserializer.deserialize(record.topic(), record.value());
            // Our own writes arrive here too, after they were applied; never let an older one win.
            states.merge(orgId, state, (current, incoming) ->
                    incoming.getUpdatedAt().isBefore(current.getUpdatedAt()) ? current : incoming);
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
