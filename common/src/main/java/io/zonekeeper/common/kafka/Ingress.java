package io.zonekeeper.common.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zonekeeper's boundary: moves the records of the topics others write (the upstream's lifecycle events, cert
 * requests) into Zonekeeper's own by-organization topics, each record in the partition Kafka's Java client gives its
 * key (murmur2), key, value, timestamp and headers unchanged. Every service reads the by-organization topics, never
 * the upstream's, so an organization has one partition number on every topic Zonekeeper consumes whatever
 * partitioner its producer used: librdkafka (Python, Go, C#, ...) hashes keys with CRC32 by default, and an
 * organization's lifecycle events would otherwise sit in another partition than its zone state, its reap commands
 * and its commands (the reaper would never see both; two instances could act on one organization at once).
 *
 * <p>One consumer group ({@code INGRESS_GROUP}) shared by every instance of every service, so the hop runs while any
 * Zonekeeper process does, and each record is forwarded once: the forwarded records and the consumed offsets are
 * committed in one transaction (Kafka's consume-transform-produce, fenced by the group's generation), and every
 * reader uses {@code read_committed}. One topic downstream for all services means one set of positions: the reap
 * fence compares the reaper's and the provisioner's positions in the same topic, and {@code zk replay} moves the
 * services' groups on it. Written by hand rather than as a Streams {@code repartition()}, whose internal topic is
 * private to one application: three services must read the same one.
 *
 * <p>Nothing is validated here: a record with a wrong key or an undecodable value is forwarded as it is and
 * dead-lettered by the service that reads it, with the reason, like any other bad input. The headers
 * {@link #SOURCE_TOPIC}, {@link #SOURCE_PARTITION} and {@link #SOURCE_OFFSET} say where it was first written, so its
 * dead letter names the upstream's topic and position.
 */
public final class Ingress implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Ingress.class);

    public static final String HEADER_PREFIX = "zk.ingress.";
    public static final String SOURCE_TOPIC = HEADER_PREFIX + "source.topic";
    public static final String SOURCE_PARTITION = HEADER_PREFIX + "source.partition";
    public static final String SOURCE_OFFSET = HEADER_PREFIX + "source.offset";

    /** Where a record was first written: the upstream's topic and position when the ingress forwarded it. */
    public record Origin(String topic, int partition, long offset) {

        public static Origin of(ConsumerRecord<byte[], byte[]> record) {
            String topic = header(record, SOURCE_TOPIC);
            String partition = header(record, SOURCE_PARTITION);
            String offset = header(record, SOURCE_OFFSET);
            if (topic != null && partition != null && offset != null) {
                try {
                    return new Origin(topic, Integer.parseInt(partition), Long.parseLong(offset));
                } catch (NumberFormatException e) {
                    // Not written by the ingress: the record is where it is.
                }
            }
            return new Origin(record.topic(), record.partition(), record.offset());
        }

        private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
            Header header = record.headers().lastHeader(key);
            return header == null || header.value() == null ? null
                    : new String(header.value(), StandardCharsets.UTF_8);
        }
    }

    /** One topic others write, and the by-organization topic Zonekeeper reads it from. */
    public record Route(String source, String target) {
        public Route {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(target, "target");
            if (source.equals(target)) {
                throw new IllegalArgumentException("an ingress route must write to another topic than " + source);
            }
        }
    }

    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final Map<String, String> targets = new HashMap<>();
    private final Map<String, Integer> targetPartitions = new HashMap<>();
    private final Duration retryPause;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private volatile Thread thread;

    /**
     * @param consumer a consumer of the ingress group ({@code read_committed}, no auto-commit)
     * @param producer a transactional producer of this instance alone ({@code transactional.id} unique per process)
     */
    public Ingress(Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer, Collection<Route> routes,
                   Duration retryPause) {
        this.consumer = consumer;
        this.producer = producer;
        this.retryPause = retryPause;
        for (Route route : routes) {
            if (targets.put(route.source(), route.target()) != null) {
                throw new IllegalArgumentException("two ingress routes from " + route.source());
            }
        }
    }

    /** The partition of {@code key} in a topic of {@code partitions}, as Kafka's Java producer chooses it. */
    public static int partitionOf(byte[] key, int partitions) {
        return key == null ? 0 : OrgPartitions.of(key, partitions);
    }

    /** Starts forwarding on a thread of its own. */
    public void start(String threadName) {
        Thread t = new Thread(this::run, threadName);
        t.setDaemon(false);
        thread = t;
        t.start();
    }

    /** Forwarding, and holding partitions of the sources (an empty assignment is normal with many instances). */
    public boolean running() {
        return running.get() && fatal.get() == null && thread != null && thread.isAlive();
    }

    private void run() {
        try {
            producer.initTransactions();
            for (String target : Set.copyOf(targets.values())) {
                targetPartitions.put(target, partitionsOf(target));
            }
            // No rebalance listener: nothing is in flight at a revocation, every batch is committed or aborted
            // before the next poll.
            consumer.subscribe(List.copyOf(targets.keySet()));
            while (running.get()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (!records.isEmpty()) {
                    forward(records);
                }
            }
        } catch (WakeupException | InterruptException e) {
            if (running.get()) {
                fail(e);
            }
        } catch (Throwable e) {
            fail(e);
        } finally {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("closing the ingress consumer", e);
            }
        }
    }

    /**
     * One transaction: the batch forwarded and its offsets committed, or neither. A transaction that fails is
     * aborted and the consumer rewound to the group's committed offsets, so the same records are forwarded again;
     * a fenced producer or a refusal by the brokers (authentication, authorization) stops the ingress.
     */
    private void forward(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        try {
            producer.beginTransaction();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                String target = targets.get(record.topic());
                producer.send(new ProducerRecord<>(target, partitionOf(record.key(), targetPartitions.get(target)),
                        record.timestamp(), record.key(), record.value(), headers(record)));
                next.put(new TopicPartition(record.topic(), record.partition()),
                        new OffsetAndMetadata(record.offset() + 1, record.leaderEpoch(), ""));
            }
            producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (ProducerFencedException | AuthenticationException | AuthorizationException
                 | UnsupportedVersionException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.warn("forwarding {} records failed, retrying from the committed offsets: {}", records.count(),
                    e.toString());
            // A producer that cannot abort throws here and stops the ingress; the service's health says so.
            producer.abortTransaction();
            rewind();
            Thread.sleep(retryPause.toMillis());
        }
    }

    private int partitionsOf(String target) {
        try {
            return producer.partitionsFor(target).size();
        } catch (TimeoutException e) {
            throw new IllegalStateException("the ingress cannot find its topic " + target + ": create it with as many"
                    + " partitions as the other topics Zonekeeper consumes (see the README's topics)", e);
        }
    }

    private void rewind() {
        Set<TopicPartition> assignment = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assignment);
        for (TopicPartition partition : assignment) {
            OffsetAndMetadata offset = committed.get(partition);
            if (offset != null) {
                consumer.seek(partition, offset);
            } else {
                consumer.seekToBeginning(List.of(partition));
            }
        }
    }

    private static Headers headers(ConsumerRecord<byte[], byte[]> record) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        headers.remove(SOURCE_TOPIC);
        headers.remove(SOURCE_PARTITION);
        headers.remove(SOURCE_OFFSET);
        headers.add(SOURCE_TOPIC, record.topic().getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_PARTITION, Integer.toString(record.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_OFFSET, Long.toString(record.offset()).getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    private void fail(Throwable e) {
        fatal.compareAndSet(null, e);
        LOG.error("the ingress stopped: {}", KafkaRefusals.describe(e));
    }

    /** Why the ingress stopped, if it did on its own. */
    public Throwable failure() {
        return fatal.get();
    }

    @Override
    public void close() {
        running.set(false);
        Thread t = thread;
        if (t != null) {
            consumer.wakeup();
            try {
                t.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        producer.close(Duration.ofSeconds(5));
    }
}
