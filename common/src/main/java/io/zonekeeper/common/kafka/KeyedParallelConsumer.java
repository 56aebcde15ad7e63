package io.zonekeeper.common.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.retry.Causes;
import io.zonekeeper.common.retry.Failures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer whose records are processed in parallel across keys and strictly in order within a key: every
 * key (an organization id) has its own queue, drained by a shared pool one record at a time. A key whose
 * dependency is down waits (backing off, holding no thread) while every other key flows. Offsets are committed
 * per partition up to the oldest unfinished record only, so a record is committed once its effects are durable.
 *
 * <p>Written here rather than taken from Confluent's parallel-consumer, which targets the 3.x clients and
 * brings its own threading and offset encoding into the commit metadata; the part Zonekeeper needs (key order,
 * contiguous commits, per-key backoff, pause on backlog) fits in this class.
 */
public final class KeyedParallelConsumer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KeyedParallelConsumer.class);

    /** Tuning of the consumer. */
    public record Settings(int workers, int maxInFlightPerPartition, Duration commitInterval, Duration retryBackoff,
                           Duration maxRetryBackoff, Duration deferDelay, Duration revocationGrace) {

        public static Settings defaults() {
            return new Settings(16, 2_000, Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofSeconds(30),
                    Duration.ofMillis(200), Duration.ofSeconds(20));
        }

        /** The defaults with the two settings services expose: parallelism and how long work may finish. */
        public static Settings of(int workers, Duration revocationGrace) {
            Settings d = defaults();
            return new Settings(workers, d.maxInFlightPerPartition(), d.commitInterval(), d.retryBackoff(),
                    d.maxRetryBackoff(), d.deferDelay(), revocationGrace);
        }
    }

    private record Work(ConsumerRecord<byte[], byte[]> record, PartitionProgress progress, long dispatchedAt) {
    }

    private final class KeyQueue {
        final String key;
        final Deque<Work> pending = new ArrayDeque<>();
        int transientFailures;

        KeyQueue(String key) {
            this.key = key;
        }
    }

    private final Consumer<byte[], byte[]> consumer;
    private final Collection<String> topics;
    private final RecordHandler handler;
    private final DeadLetterPublisher deadLetters;
    private final Settings settings;
    private final MeterRegistry metrics;
    private final ScheduledExecutorService workers;
    private final Map<TopicPartition, PartitionProgress> progress = new ConcurrentHashMap<>();
    private final Map<String, KeyQueue> queues = new HashMap<>();
    private final Set<TopicPartition> paused = new HashSet<>();
    /** What this instance owns, readable from other threads (the consumer itself is single-threaded). */
    private final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final java.util.concurrent.atomic.AtomicReference<Throwable> fatal =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final Object lock = new Object();
    private volatile Thread pollThread;

    public KeyedParallelConsumer(Consumer<byte[], byte[]> consumer, Collection<String> topics, RecordHandler handler,
                                 DeadLetterPublisher deadLetters, Settings settings, MeterRegistry metrics) {
        this.consumer = consumer;
        this.topics = List.copyOf(topics);
        this.handler = handler;
        this.deadLetters = deadLetters;
        this.settings = settings;
        this.metrics = metrics;
        this.workers = Executors.newScheduledThreadPool(settings.workers(), r -> {
            Thread thread = new Thread(r, "record-worker");
            thread.setDaemon(true);
            return thread;
        });
        metrics.gauge("zonekeeper.records.in.flight", progress,
                p -> p.values().stream().mapToInt(PartitionProgress::inFlight).sum());
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

    /** The failure that stopped the consumer ({@link Failures.Kind#FATAL}), if one did. */
    public java.util.Optional<Throwable> fatalFailure() {
        return java.util.Optional.ofNullable(fatal.get());
    }

    /** Polls and dispatches until {@link #close()}; call from a dedicated thread, or use {@link #start}. */
    public void run() {
        consumer.subscribe(topics, new Rebalance());
        long lastCommit = System.nanoTime();
        try {
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    dispatch(record);
                }
                applyBackpressure();
                if (System.nanoTime() - lastCommit >= settings.commitInterval().toNanos()) {
                    commit(progress.keySet());
                    lastCommit = System.nanoTime();
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } finally {
            drainAndCommitOnShutdown();
            consumer.close();
        }
    }

    /**
     * The offset below which every record of the partition has been processed (the oldest unfinished record, or
     * one past the newest dispatched when none is unfinished), or -1 when this instance holds nothing of the
     * partition. A record of another topic that must follow records of this partition waits until this passes
     * them: being dispatched is not enough, since they may sit behind it in the same key's queue.
     */
    public long completedUpTo(TopicPartition partition) {
        PartitionProgress p = progress.get(partition);
        return p == null ? -1 : p.committable();
    }

    /**
     * The partitions this instance owns now. Work scheduled from outside the topics (renewals, say) is issued
     * only by the owner of the key's partition, so two instances never both issue it.
     */
    public Set<TopicPartition> assignment() {
        return Set.copyOf(owned);
    }

    private void dispatch(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        PartitionProgress p = progress.computeIfAbsent(partition, tp -> new PartitionProgress());
        p.dispatched(record.offset());
        String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        Work work = new Work(record, p, System.nanoTime());
        synchronized (lock) {
            KeyQueue queue = queues.get(key);
            if (queue == null) {
                queue = new KeyQueue(key);
                queues.put(key, queue);
                queue.pending.add(work);
                KeyQueue started = queue;
                workers.execute(() -> drain(started));
            } else {
                queue.pending.add(work);
            }
        }
    }

    /** Processes the head of a key's queue, then schedules the next; the key is never on two threads at once. */
    private void drain(KeyQueue queue) {
        Work work;
        synchronized (lock) {
            work = queue.pending.peekFirst();
        }
        if (work.progress().revoked()) {
            // The partition moved to another instance, which will process the record; drop it here uncommitted.
            next(queue, work, false);
            return;
        }
        try {
            RecordHandler.Outcome outcome = handler.handle(work.record());
            queue.transientFailures = 0;
            if (outcome == RecordHandler.Outcome.DEFER) {
                defer(queue, work);
                return;
            }
            count(work, "done");
        } catch (Exception | Error e) {
            if (!running.get() || interrupted(e)) {
                // Shutting down: the record stays uncommitted and is processed again after the restart.
                LOG.info("{}: abandoned on shutdown", location(work));
                return;
            }
            Failures.Kind kind = Failures.classify(e);
            if (kind == Failures.Kind.TRANSIENT) {
                queue.transientFailures++;
                long delay = backoff(queue.transientFailures);
                LOG.warn("{}: key {} paused {} ms after a transient failure: {}", location(work), queue.key, delay,
                        e.getMessage());
                count(work, "retried");
                workers.schedule(() -> drain(queue), delay, TimeUnit.MILLISECONDS);
                return;
            }
            if (kind == Failures.Kind.FATAL) {
                // Not the record's fault, and nothing here can go on: stop uncommitted and report unhealthy.
                LOG.error("{}: fatal failure, stopping the consumer; the record stays uncommitted", location(work), e);
                fatal.compareAndSet(null, e);
                count(work, "fatal");
                if (running.compareAndSet(true, false)) {
                    consumer.wakeup();
                }
                return;
            }
            LOG.error("{}: unexpected failure, dead-lettering", location(work), e);
            try {
                deadLetters.publish(work.record(), "unexpected " + e.getClass().getSimpleName() + " while processing",
                        e);
                count(work, "dead-lettered");
            } catch (RuntimeException dlqFailure) {
                // Not durable anywhere yet: keep the record at the head and try the whole thing again later.
                LOG.error("{}: could not dead-letter, will retry", location(work), dlqFailure);
                workers.schedule(() -> drain(queue), settings.maxRetryBackoff().toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
        }
        next(queue, work, true);
    }

    private void next(KeyQueue queue, Work done, boolean finished) {
        Timer.builder("zonekeeper.records.latency")
                .description("Time from dispatch to done, per record")
                .tag("topic", done.record().topic())
                .register(metrics)
                .record(Duration.ofNanos(System.nanoTime() - done.dispatchedAt()));
        synchronized (lock) {
            queue.pending.pollFirst();
            if (finished) {
                done.progress().finished(done.record().offset());
            }
            if (queue.pending.isEmpty()) {
                queues.remove(queue.key);
            } else {
                workers.execute(() -> drain(queue));
            }
        }
    }

    private void defer(KeyQueue queue, Work work) {
        synchronized (lock) {
            queue.pending.pollFirst();
            queue.pending.addLast(work);
        }
        workers.schedule(() -> drain(queue), settings.deferDelay().toMillis(), TimeUnit.MILLISECONDS);
    }

    private static boolean interrupted(Throwable failure) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable cause : Causes.of(failure)) {
            if (cause instanceof InterruptedException || cause instanceof java.io.InterruptedIOException
                    && !(cause instanceof java.net.SocketTimeoutException)) {
                return true;
            }
        }
        return false;
    }

    private long backoff(int failures) {
        long base = settings.retryBackoff().toMillis() << Math.min(failures - 1, 16);
        long capped = Math.min(base, settings.maxRetryBackoff().toMillis());
        return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    }

    private void applyBackpressure() {
        Set<TopicPartition> assigned = consumer.assignment();
        for (TopicPartition tp : assigned) {
            PartitionProgress p = progress.get(tp);
            int inFlight = p == null ? 0 : p.inFlight();
            if (inFlight >= settings.maxInFlightPerPartition() && paused.add(tp)) {
                consumer.pause(Set.of(tp));
            } else if (inFlight < settings.maxInFlightPerPartition() / 2 && paused.remove(tp)) {
                consumer.resume(Set.of(tp));
            }
        }
        paused.retainAll(assigned);
    }

    private void commit(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            PartitionProgress p = progress.get(tp);
            if (p != null && p.needsCommit()) {
                offsets.put(tp, new OffsetAndMetadata(p.committable()));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitSync(offsets);
        offsets.forEach((tp, offset) -> progress.get(tp).committed(offset.offset()));
    }

    private void drainAndCommitOnShutdown() {
        awaitIdle(progress.keySet(), settings.revocationGrace());
        try {
            commit(progress.keySet());
        } catch (RuntimeException e) {
            LOG.warn("final commit failed; the records since the last commit will be processed again", e);
        }
        workers.shutdownNow();
    }

    private void awaitIdle(Collection<TopicPartition> partitions, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline
                && partitions.stream().map(progress::get).anyMatch(p -> p != null && p.inFlight() > 0)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Let work in progress finish so its offsets can be committed, then hand the partitions over; what
            // is still queued is dropped uncommitted and processed by the new owner (handlers are idempotent).
            awaitIdle(partitions, settings.revocationGrace());
            try {
                commit(partitions);
            } catch (RuntimeException e) {
                LOG.warn("commit on revocation failed for {}", partitions, e);
            }
            release(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Already someone else's: nothing may be committed, queued work is dropped.
            release(partitions);
        }

        private void release(Collection<TopicPartition> partitions) {
            owned.removeAll(partitions);
            partitions.forEach(tp -> {
                PartitionProgress p = progress.remove(tp);
                if (p != null) {
                    p.revoke();
                }
            });
            paused.removeAll(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("assigned {}", partitions);
            owned.addAll(partitions);
        }
    }

    private void count(Work work, String outcome) {
        Counter.builder("zonekeeper.records.processed")
                .description("Records processed, by topic and outcome")
                .tag("topic", work.record().topic())
                .tag("outcome", outcome)
                .register(metrics)
                .increment();
    }

    private static String location(Work work) {
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
