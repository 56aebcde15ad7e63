package io.zonekeeper.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.retry.TransientFailureException;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Key order, parallelism across keys and commit discipline, on the real broker. */
class KeyedParallelConsumerTest {

    private static final KafkaBroker KAFKA = SharedKafka.get();
    private final KafkaClients clients = new KafkaClients(new KafkaSettings(KAFKA.bootstrapServers(), "http://127.0.0.1:1",
            Map.of()), new ServiceIdentity("test", "local"));
    private final String topic = "kpc-" + UUID.randomUUID();
    private final String group = "kpc-group-" + UUID.randomUUID();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Producer<byte[], byte[]> producer;

    @BeforeEach
    void setUp() {
        KAFKA.createTopic(topic, 1, false);
        KAFKA.createTopic(topic + ".dlq", 1, false);
        producer = clients.producer();
        toClose.add(producer);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Test
    void keepsOrderWithinAKeyWhileAStuckKeyDoesNotHoldBackOthers() throws Exception {
        Map<String, List<String>> seen = new ConcurrentHashMap<>();
        CountDownLatch release = new CountDownLatch(1);
        start(record -> {
            String key = key(record);
            if (key.equals("stuck")) {
                release.await();
            }
            seen.computeIfAbsent(key, k -> Collections.synchronizedList(new ArrayList<>())).add(value(record));
            return RecordHandler.Outcome.DONE;
        });
        send("stuck", "s0");
        for (int i = 0; i < 50; i++) {
            send("a", "a" + i);
            send("b", "b" + i);
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> seen.getOrDefault("a", List.of()).size() == 50
                && seen.getOrDefault("b", List.of()).size() == 50);
        assertThat(seen.get("a")).containsExactlyElementsOf(numbered("a", 50));
        assertThat(seen.get("b")).containsExactlyElementsOf(numbered("b", 50));
        assertThat(seen).doesNotContainKey("stuck");
        Thread.sleep(1500);
        assertThat(committed()).as("never past the unfinished record at offset 0").isEqualTo(0L);

        release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> committed() == 101L);
    }

    @Test
    void retriesTransientFailuresOfOneKeyInOrder() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failures = new AtomicInteger();
        start(record -> {
            if (value(record).equals("k1") && failures.getAndIncrement() < 3) {
                throw new TransientFailureException("vault read", 8, new java.io.IOException("refused"));
            }
            seen.add(value(record));
            return RecordHandler.Outcome.DONE;
        });
        send("k", "k0");
        send("k", "k1");
        send("k", "k2");
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 3);
        assertThat(seen).containsExactly("k0", "k1", "k2");
        await().atMost(Duration.ofSeconds(10)).until(() -> committed() == 3L);
    }

    @Test
    void deferredRecordsMoveBehindTheirKeysOtherRecords() throws Exception {
        // The way the reap fence uses DEFER: the command waits for a record that comes after it on the same key.
        // If a deferred record held its key, "lifecycle" would never run and neither would "reap".
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger deferrals = new AtomicInteger();
        send("org", "reap");
        send("org", "lifecycle");
        start(record -> {
            String v = value(record);
            if (v.equals("reap") && !seen.contains("lifecycle")) {
                deferrals.incrementAndGet();
                return RecordHandler.Outcome.DEFER;
            }
            seen.add(v);
            return RecordHandler.Outcome.DONE;
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 2);
        assertThat(seen).containsExactly("lifecycle", "reap");
        assertThat(deferrals).hasPositiveValue();
        await().atMost(Duration.ofSeconds(10)).until(() -> committed() == 2L);
    }

    @Test
    void deadLettersRecordsWhoseHandlerFailsUnexpectedlyAndMovesOn() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        start(record -> {
            if (value(record).equals("poison")) {
                throw new IllegalStateException("bug");
            }
            seen.add(value(record));
            return RecordHandler.Outcome.DONE;
        });
        send("k", "poison");
        send("k", "fine");
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains("fine"));
        await().atMost(Duration.ofSeconds(10)).until(() -> committed() == 2L);
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        try (var consumer = clients.consumer("dlq-reader-" + UUID.randomUUID())) {
            consumer.subscribe(List.of(topic + ".dlq"));
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(dead::add);
                return !dead.isEmpty();
            });
        }
        assertThat(value(dead.get(0))).isEqualTo("poison");
        assertThat(new String(dead.get(0).headers().lastHeader(DeadLetterPublisher.REASON).value(),
                StandardCharsets.UTF_8)).contains("IllegalStateException");
    }

    @Test
    void aRecordWhoseStatePublishTimedOutAfterItsEffectsIsRetriedNotDeadLettered() throws Exception {
        // The handler's effects land every time; the first two publishes of its state time out, as StateTopic
        // reports them. The record must be applied again (idempotency makes that safe), never dead-lettered.
        AtomicInteger effects = new AtomicInteger();
        start(record -> {
            int attempt = effects.incrementAndGet();
            if (attempt <= 2) {
                throw new IllegalStateException("could not publish the state of k to org.dns.v1",
                        new org.apache.kafka.common.errors.TimeoutException("Expiring 1 record(s): 30000 ms has passed"));
            }
            return RecordHandler.Outcome.DONE;
        });
        send("k", "applied");
        await().atMost(Duration.ofSeconds(30)).until(() -> committed() == 1L);
        assertThat(effects).hasValue(3);
        assertThat(deadLetters(Duration.ofSeconds(2))).isEmpty();
    }

    @Test
    void aFatalFailureStopsTheConsumerWithoutDeadLetteringOrCommittingTheRecord() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        KeyedParallelConsumer consumer = start(record -> {
            attempts.incrementAndGet();
            throw new OutOfMemoryError("Java heap space");
        });
        send("k", "innocent");
        await().atMost(Duration.ofSeconds(30)).until(() -> !consumer.polling());
        assertThat(consumer.fatalFailure()).containsInstanceOf(OutOfMemoryError.class);
        assertThat(attempts).hasValue(1);
        assertThat(committed()).as("the record stays for the next start").isLessThan(1L);
        assertThat(deadLetters(Duration.ofSeconds(2))).isEmpty();
    }

    private List<ConsumerRecord<byte[], byte[]>> deadLetters(Duration within) {
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        try (var consumer = clients.consumer("dlq-reader-" + UUID.randomUUID())) {
            consumer.subscribe(List.of(topic + ".dlq"));
            long deadline = System.nanoTime() + within.toNanos();
            while (System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(dead::add);
            }
        }
        return dead;
    }

    private KeyedParallelConsumer start(RecordHandler handler) {
        var dlq = new DeadLetterPublisher(producer, new ServiceIdentity("test", "local"), ".dlq", Clock.systemUTC(),
                new SimpleMeterRegistry());
        var settings = new KeyedParallelConsumer.Settings(4, 1000, Duration.ofMillis(100),
                new RetrySettings(1, Duration.ofMillis(50), Duration.ofMillis(200), 0.5), Duration.ofMillis(50),
                Duration.ofSeconds(2));
        KeyedParallelConsumer consumer = new KeyedParallelConsumer(clients.consumer(group), List.of(topic), handler, dlq::publish,
                settings, new ConsumerProgress(), new SimpleMeterRegistry()).start("kpc-test");
        assertThat(consumer.polling()).isTrue();
        toClose.add(consumer);
        return consumer;
    }

    private void send(String key, String value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8))).get();
    }

    private long committed() throws Exception {
        try (Admin admin = clients.admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            OffsetAndMetadata offset = offsets.get(new TopicPartition(topic, 0));
            return offset == null ? -1 : offset.offset();
        }
    }

    private static List<String> numbered(String prefix, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    private static String key(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.key(), StandardCharsets.UTF_8);
    }

    private static String value(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }
}
