package io.zonekeeper.common.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.dlq.DeadLetters;
import io.zonekeeper.common.retry.Causes;
import io.zonekeeper.common.retry.Failures;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer whose records are processed in parallel across keys and strictly in order within a key. Its parts:
 * {@link KeyQueues} schedules each key's records one at a time on a shared pool; {@link CommitTracker} commits each
 * partition up to its oldest unfinished record only, so a record is committed once its effects are durable;
 * {@link Backpressure} pauses a partition whose backlog is too long; {@link Rebalance} hands partitions over. This
 * class polls, and decides what becomes of a record whose handler failed, by {@link Failures}: a transient fault
 * pauses the key (every other key flows), a fatal one stops the consumer uncommitted, anything else is
 * dead-lettered.
 *
 * <p>Written here rather than taken from Confluent's parallel-consumer, which targets the 3.x clients and
 * brings its own threading and offset encoding into the commit metadata; the part Zonekeeper needs (key order,
 * contiguous commits, per-key backoff, pause on backlog) fits in these few classes.
 */
public final class KeyedParallelConsumer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KeyedParallelConsumer.class);

    /**
     * Tuning of the consumer.
     *
     * @param keyPause how long a key waits after a transient failure (the service's {@code RETRY_*} settings)
     */
    public record Settings(int workers, int maxInFlightPerPartition, Duration commitInterval, RetrySettings keyPause,
                           Duration deferDelay, Duration revocationGrace) {

        /** What services configure ({@code WORKERS}, {@code SHUTDOWN_GRACE}, {@code RETRY_*}); the rest is fixed. */
        public static Settings of(int workers, Duration revocationGrace, RetrySettings keyPause) {
            return new Settings(workers, 2_000, Duration.ofSeconds(1), keyPause, Duration.ofMillis(200),
                    revocationGrace);
        }
    }

    private final Consumer<byte[], byte[]> consumer;
    private final Collection<String> topics;
    private final RecordHandler handler;
    private final DeadLetters deadLetters;
    private final Settings settings;
    private final MeterRegistry metrics;
    private final ConsumerProgress progress;
    private final CommitTracker tracker;
    private final Backpressure backpressure;
    private final KeyQueues queues;
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** Joined the group and holding its assignment: false before the first assignment and during a rebalance. */
    private final AtomicBoolean settled = new AtomicBoolean();
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private volatile Thread pollThread;

    /** @param progress where it records what it owns and how far it got, for readers on other threads */
    public KeyedParallelConsumer(Consumer<byte[], byte[]> consumer, Collection<String> topics, RecordHandler handler,
                                 DeadLetters deadLetters, Settings settings, ConsumerProgress progress,
                                 MeterRegistry metrics) {
        this.consumer = consumer;
        this.progress = progress;
        this.tracker = progress.tracker();
        this.topics = List.copyOf(topics);
        this.handler = handler;
        this.deadLetters = deadLetters;
        this.settings = settings;
        this.metrics = metrics;
        this.backpressure = new Backpressure(settings.maxInFlightPerPartition());
        this.queues = new KeyQueues(settings.workers(), this::process, settings.keyPause(), settings.deferDelay(),
                this::recordLatency);
        metrics.gauge("zonekeeper.records.in.flight", tracker, CommitTracker::inFlight);
    }

    /** Starts polling on a thread of its own, named {@code threadName}; {@link #close()} waits for it. */
    public KeyedParallelConsumer start(String threadName) {
        Thread thread = new Thread(this::run, threadName);
        pollThread = thread;
        thread.start();
        return this;
    }

    /** Whether the thread started by {@link #start} is still polling (for health checks). */
    public boolean polling() {
        Thread thread = pollThread;
        return thread != null && thread.isAlive() && fatal.get() == null;
    }

    /**
     * Whether the consumer is doing its work (for readiness): polling, and a member of its group holding its
     * assignment, not joining or between a revocation and the next assignment. An instance the group gives no
     * partition is ready too: it has joined, and takes partitions at the next rebalance.
     */
    public boolean processing() {
        return polling() && settled.get();
    }

    /** The failure that stopped the consumer ({@link Failures.Kind#FATAL}), if one did. */
    public Optional<Throwable> fatalFailure() {
        return Optional.ofNullable(fatal.get());
    }

    /** Polls and dispatches until {@link #close()}; call from a dedicated thread, or use {@link #start}. */
    public void run() {
        consumer.subscribe(topics, new Rebalance(consumer, tracker, backpressure, settings.revocationGrace(), progress.owned(),
                settled));
        long lastCommit = System.nanoTime();
        try {
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    dispatch(record);
                }
                tracker.caughtUp(consumer);
                backpressure.apply(consumer, tracker);
                if (System.nanoTime() - lastCommit >= settings.commitInterval().toNanos()) {
                    commitOrRejoin();
                    lastCommit = System.nanoTime();
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } catch (RuntimeException e) {
            // The poll itself failed: a refused group or topic, or a client that cannot go on. Nothing is committed
            // past what finished; the service reports unhealthy and says why.
            fatal.compareAndSet(null, e);
            LOG.error("the consumer stopped: {}", KafkaRefusals.describe(e), e);
        } finally {
            drainAndCommitOnShutdown();
            consumer.close();
        }
    }

    /**
     * Commits what finished. A group that moved this instance's partitions on meanwhile (its session expired: a
     * network partition, a long pause) refuses the commit; that is the group working, not a failure of the
     * instance: the new owners process the records since the last commit again (handlers are idempotent), and the
     * next poll rejoins the group, telling the rebalance listener the partitions were lost.
     */
    private void commitOrRejoin() {
        try {
            tracker.commit(consumer, tracker.partitions());
        } catch (CommitFailedException | RebalanceInProgressException e) {
            LOG.warn("the group moved this instance's partitions on before it could commit ({}); their new owners"
                    + " process the records since the last commit again, and this instance rejoins", e.toString());
        }
    }

    /** What it owns and how far it got. */
    public ConsumerProgress progress() {
        return progress;
    }

    private void dispatch(ConsumerRecord<byte[], byte[]> record) {
        PartitionProgress progress = tracker.dispatched(record);
        String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        queues.add(key, new KeyQueues.Work(record, progress, System.nanoTime()));
    }

    /** One attempt at a key's head record, and what becomes of it. */
    private KeyQueues.Step process(KeyQueues.Work work, int failuresInARow) {
        try {
            if (handler.handle(work.record()) == RecordHandler.Outcome.DEFER) {
                return KeyQueues.Step.DEFERRED;
            }
            count(work, "done");
            return KeyQueues.Step.FINISHED;
        } catch (Exception | Error e) {
            if (!running.get() || interrupted(e)) {
                LOG.info("{}: abandoned on shutdown", location(work));
                return KeyQueues.Step.ABANDONED;
            }
            return switch (Failures.classify(e)) {
                case TRANSIENT -> {
                    LOG.warn("{}: key paused after transient failure {} in a row: {}", location(work),
                            failuresInARow + 1, e.getMessage());
                    count(work, "retried");
                    yield KeyQueues.Step.RETRY;
                }
                case FATAL -> {
                    // Not the record's fault, and nothing here can go on: stop uncommitted and report unhealthy.
                    LOG.error("{}: fatal failure, stopping the consumer; the record stays uncommitted: {}",
                            location(work), KafkaRefusals.describe(e), e);
                    fatal.compareAndSet(null, e);
                    count(work, "fatal");
                    if (running.compareAndSet(true, false)) {
                        consumer.wakeup();
                    }
                    yield KeyQueues.Step.ABANDONED;
                }
                case PERMANENT -> deadLetter(work, e);
            };
        }
    }

    /** A bug, or input nobody recognised as bad: the record goes to the dead-letter topic and its key moves on. */
    private KeyQueues.Step deadLetter(KeyQueues.Work work, Throwable e) {
        LOG.error("{}: unexpected failure, dead-lettering", location(work), e);
        try {
            deadLetters.deadLetter(work.record(), "unexpected " + e.getClass().getSimpleName() + " while processing",
                    e);
            count(work, "dead-lettered");
            return KeyQueues.Step.FINISHED;
        } catch (RuntimeException dlqFailure) {
            // Not durable anywhere yet: keep the record at the head and try the whole thing again later.
            LOG.error("{}: could not dead-letter, will retry", location(work), dlqFailure);
            return KeyQueues.Step.RETRY;
        }
    }

    private static boolean interrupted(Throwable failure) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable cause : Causes.of(failure)) {
            if (cause instanceof InterruptedException || cause instanceof InterruptedIOException
                    && !(cause instanceof SocketTimeoutException)) {
                return true;
            }
        }
        return false;
    }

    private void drainAndCommitOnShutdown() {
        tracker.awaitIdle(tracker.partitions(), settings.revocationGrace());
        try {
            tracker.commit(consumer, tracker.partitions());
        } catch (RuntimeException e) {
            LOG.warn("final commit failed; the records since the last commit will be processed again", e);
        }
        queues.shutdown();
    }

    private void recordLatency(KeyQueues.Work done) {
        Timer.builder("zonekeeper.records.latency")
                .description("Time from dispatch to done, per record")
                .tag("topic", done.record().topic())
                .register(metrics)
                .record(Duration.ofNanos(System.nanoTime() - done.dispatchedAt()));
    }

    private void count(KeyQueues.Work work, String outcome) {
        Counter.builder("zonekeeper.records.processed")
                .description("Records processed, by topic and outcome")
                .tag("topic", work.record().topic())
                .tag("outcome", outcome)
                .register(metrics)
                .increment();
    }

    private static String location(KeyQueues.Work work) {
        return work.record().topic() + "-" + work.record().partition() + "@" + work.record().offset();
    }

    /** Stops polling, lets in-flight work finish (bounded), commits, closes the consumer. */
    @Override
    public void close() {
        if (running.compareAndSet(true, false)) {
            consumer.wakeup();
        }
        Thread thread = pollThread;
        if (thread != null && thread != Thread.currentThread()) {
            try {
                // In-flight work gets the revocation grace; committing and closing the client a little more.
                thread.join(settings.revocationGrace().plusSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
