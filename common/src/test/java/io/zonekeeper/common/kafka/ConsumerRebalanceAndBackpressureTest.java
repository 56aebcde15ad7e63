package io.zonekeeper.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rebalances and backpressure, driven through Kafka's own {@link MockConsumer}: a rebalance there calls the
 * consumer's listener exactly when the test says, which a real group coordinator does not.
 */
class ConsumerRebalanceAndBackpressureTest {

    private static final String TOPIC = "events";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    /** Every commit, as the broker would have received it (MockConsumer's own view resets on a rebalance). */
    private final List<Map<TopicPartition, OffsetAndMetadata>> commits = new CopyOnWriteArrayList<>();
    /** Set: the group refuses the next commit, as it does one from a member whose session has expired. */
    private final AtomicBoolean refuseNextCommit = new AtomicBoolean();
    private final MockConsumer<byte[], byte[]> mock = new MockConsumer<>("earliest") {
        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            if (refuseNextCommit.getAndSet(false)) {
                throw new CommitFailedException();
            }
            commits.add(Map.copyOf(offsets));
            super.commitSync(offsets);
        }
    };
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final List<String> handled = new CopyOnWriteArrayList<>();
    private KeyedParallelConsumer consumer;

    @AfterEach
    void close() {
        if (consumer != null) {
            consumer.close();
        }
    }

    @Test
    void workInFlightAtRevocationFinishesWithinTheGraceAndIsCommittedSoTheNewOwnerRepeatsNothing() throws Exception {
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        start(holdingFirst(firstStarted, release), 1_000, Duration.ofSeconds(10));
        send("a", 5);
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();

        // a0 is in flight and a1..a4 wait behind it when the partition is revoked; a0 finishes during the grace.
        new Thread(() -> {
            sleep(300);
            release.countDown();
        }).start();
        rebalance(List.of());

        assertThat(lastCommitted()).isEqualTo(5);
        assertThat(handled).containsExactly("a0", "a1", "a2", "a3", "a4");
        assertThat(consumer.progress().assignment()).isEmpty();
    }

    @Test
    void aRecordStillInFlightWhenTheGraceEndsIsLeftUncommittedAndWhatQueuedBehindItIsDropped() throws Exception {
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        start(holdingFirst(firstStarted, release), 1_000, Duration.ofMillis(300));
        send("a", 3);
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();

        rebalance(List.of());
        release.countDown();

        // The old owner finishes a0 (its effects are idempotent) but commits nothing, and drops a1 and a2: the new
        // owner starts again at a0.
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains("a0"));
        Thread.sleep(200);
        assertThat(handled).containsExactly("a0");
        assertThat(lastCommitted()).isZero();
    }

    @Test
    void itIsProcessingOnceAssignedAndNotWhileARevocationHandsItsPartitionsOver() throws Exception {
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        start(holdingFirst(firstStarted, release), 1_000, Duration.ofSeconds(10));
        assertThat(consumer.processing()).as("assigned").isTrue();
        send("a", 1);
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();

        // The revocation waits for a0 (the grace): meanwhile the instance is not ready for more.
        CountDownLatch revoked = new CountDownLatch(1);
        mock.schedulePollTask(() -> {
            mock.rebalance(List.of());
            revoked.countDown();
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> !consumer.processing());
        release.countDown();
        assertThat(revoked.await(20, TimeUnit.SECONDS)).isTrue();

        rebalance(List.of(PARTITION));
        assertThat(consumer.processing()).as("assigned again").isTrue();
    }

    /**
     * Found by the chaos run: an instance whose links to the brokers were black-holed past its session comes back to
     * a group that moved its partitions on, and the group refuses its next commit. The consumer stopped on that and
     * stayed unhealthy until restarted; the refusal is the group working, so it goes on polling, rejoins and takes
     * partitions again.
     */
    @Test
    void aCommitTheGroupRefusesAfterMovingThePartitionsOnIsNotFatal() throws Exception {
        start(record -> {
            handled.add(value(record));
            return RecordHandler.Outcome.DONE;
        }, 1_000, Duration.ofSeconds(5));
        refuseNextCommit.set(true);
        send("a", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains("a0") && !refuseNextCommit.get());

        rebalance(List.of(PARTITION));
        send("b", 1);

        await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains("b0") && lastCommitted() == 2);
        assertThat(consumer.fatalFailure()).isEmpty();
        assertThat(consumer.polling()).isTrue();
    }

    @Test
    void aPartitionWhoseBacklogReachesTheBoundIsPausedAndResumedOnceHalfOfItHasDrained() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        start(record -> {
            release.await();
            handled.add(value(record));
            return RecordHandler.Outcome.DONE;
        }, 4, Duration.ofSeconds(5));
        for (int key = 0; key < 4; key++) {
            send("k" + key, 1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> mock.paused().contains(PARTITION));

        // While paused, what arrives is not fetched: nothing beyond the bound is taken into memory.
        send("late", 1);
        Thread.sleep(300);
        assertThat(consumer.progress().completedUpTo(PARTITION)).isZero();
        assertThat(handled).isEmpty();

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> !mock.paused().contains(PARTITION));
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 5);
        assertThat(handled).contains("late0");
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.progress().completedUpTo(PARTITION) == 5);
    }

    @Test
    void aPartitionJustAssignedCountsAsCompletedUpToItsPositionBeforeItsFirstRecord() throws Exception {
        // A restart or rebalance onto a quiet partition: whatever waits for it to pass an offset (a reap waiting for
        // its organization's lifecycle events) must not wait for a record that may never come.
        start(record -> RecordHandler.Outcome.DONE, 1_000, Duration.ofSeconds(5), 7);

        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.progress().completedUpTo(PARTITION) == 7);
        nextOffset = 7;
        send("a", 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.progress().completedUpTo(PARTITION) == 9);
    }

    /** Records are handled at once, except a0, which says it started and then waits for {@code release}. */
    private RecordHandler holdingFirst(CountDownLatch started, CountDownLatch release) {
        return record -> {
            if (value(record).equals("a0")) {
                started.countDown();
                release.await();
            }
            handled.add(value(record));
            return RecordHandler.Outcome.DONE;
        };
    }

    private void start(RecordHandler handler, int maxInFlight, Duration revocationGrace) throws InterruptedException {
        start(handler, maxInFlight, revocationGrace, 0);
    }

    /** Starts the consumer on the partition, which begins at {@code position} (nothing committed). */
    private void start(RecordHandler handler, int maxInFlight, Duration revocationGrace, long position)
            throws InterruptedException {
        var settings = new KeyedParallelConsumer.Settings(4, maxInFlight, Duration.ofMillis(50),
                new RetrySettings(1, Duration.ofMillis(50), Duration.ofMillis(200), 0.5), Duration.ofMillis(50),
                revocationGrace);
        var deadLetters = new DeadLetterPublisher(producer, new ServiceIdentity("test", "local"), ".dlq",
                Clock.systemUTC(), new SimpleMeterRegistry());
        consumer = new KeyedParallelConsumer(mock, List.of(TOPIC), handler, deadLetters::publish, settings,
                new ConsumerProgress(), new SimpleMeterRegistry()).start("rebalance-test");
        await().atMost(Duration.ofSeconds(10)).until(() -> mock.subscription().contains(TOPIC));
        mock.updateBeginningOffsets(Map.of(PARTITION, position));
        rebalance(List.of(PARTITION));
    }

    /**
     * Rebalances inside the consumer's next poll, on its own thread, as a real group does, and returns once the
     * listener has run. Called from the test's thread instead, the assignment could change between two calls the
     * polling thread makes, which a real consumer never allows.
     */
    private void rebalance(List<TopicPartition> assignment) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        mock.schedulePollTask(() -> {
            mock.rebalance(assignment);
            done.countDown();
        });
        assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
    }

    private long nextOffset;

    private void send(String key, int count) {
        for (int i = 0; i < count; i++) {
            mock.addRecord(new ConsumerRecord<>(TOPIC, 0, nextOffset++, key.getBytes(StandardCharsets.UTF_8),
                    (key + i).getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** The offset the broker would resume the partition's new owner at. */
    private long lastCommitted() {
        return commits.stream().filter(c -> c.containsKey(PARTITION)).reduce((first, second) -> second)
                .map(c -> c.get(PARTITION).offset()).orElse(0L);
    }

    private static String value(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
