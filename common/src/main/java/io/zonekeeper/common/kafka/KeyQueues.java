package io.zonekeeper.common.kafka;

import io.zonekeeper.common.config.RetrySettings;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Per-key scheduling: every key (an organization id) has its own queue, drained by a shared pool one record at a
 * time, so a key's records are applied in order and never on two threads at once while every other key flows. What
 * happens to a key's head record is the {@link Processor}'s answer; a key that waits (a transient fault, a deferral)
 * holds no thread, only a timer.
 */
final class KeyQueues {

    /** A dispatched record and the progress of its partition, which learns when it is finished. */
    record Work(ConsumerRecord<byte[], byte[]> record, PartitionProgress progress, long dispatchedAt) {
    }

    /** What became of a key's head record after an attempt. */
    enum Step {
        /** Done (applied or dead-lettered): its offset may be committed and the key's next record follows. */
        FINISHED,
        /** Moves behind the key's other records and is offered again after the defer delay. */
        DEFERRED,
        /** Tried again after the key's pause, which grows with each failure in a row. */
        RETRY,
        /** Left at the head, uncommitted: the consumer is stopping, and the record is processed after a restart. */
        ABANDONED
    }

    @FunctionalInterface
    interface Processor {
        /** @param failuresInARow how many attempts at this key's records failed transiently since its last success */
        Step process(Work work, int failuresInARow);
    }

    private final class Queue {
        final String key;
        final Deque<Work> pending = new ArrayDeque<>();
        int failuresInARow;

        Queue(String key) {
            this.key = key;
        }
    }

    private final ScheduledExecutorService pool;
    private final Processor processor;
    private final RetrySettings pause;
    private final Duration deferDelay;
    private final Consumer<Work> left;
    private final Map<String, Queue> queues = new HashMap<>();
    private final Object lock = new Object();

    /**
     * @param pause how long a key waits after a transient failure: {@code initialDelay} doubling to {@code maxDelay},
     *              jittered; {@code maxAttempts} does not apply, a key waits as long as its dependency is down
     * @param left  told of every record that leaves its queue (finished or dropped), for metrics
     */
    KeyQueues(int workers, Processor processor, RetrySettings pause, Duration deferDelay, Consumer<Work> left) {
        this.pool = Executors.newScheduledThreadPool(workers, r -> {
            Thread thread = new Thread(r, "record-worker");
            thread.setDaemon(true);
            return thread;
        });
        this.processor = processor;
        this.pause = pause;
        this.deferDelay = deferDelay;
        this.left = left;
    }

    void add(String key, Work work) {
        synchronized (lock) {
            Queue queue = queues.get(key);
            if (queue == null) {
                Queue started = new Queue(key);
                queues.put(key, started);
                started.pending.add(work);
                pool.execute(() -> drain(started));
            } else {
                queue.pending.add(work);
            }
        }
    }

    /** The pause before the next attempt at a key that failed {@code failuresInARow} times in a row. */
    static long pauseMillis(RetrySettings pause, int failuresInARow, double random) {
        long base = pause.initialDelay().toMillis() << Math.min(failuresInARow - 1, 20);
        long capped = Math.min(base, pause.maxDelay().toMillis());
        return capped - Math.round(capped * pause.jitter() * random);
    }

    void shutdown() {
        pool.shutdownNow();
    }

    private void drain(Queue queue) {
        Work work;
        synchronized (lock) {
            work = queue.pending.peekFirst();
        }
        if (work.progress().revoked()) {
            // The partition moved to another instance, which processes the record; dropped here uncommitted.
            next(queue, work, false);
            return;
        }
        switch (processor.process(work, queue.failuresInARow)) {
            case FINISHED -> {
                queue.failuresInARow = 0;
                next(queue, work, true);
            }
            case DEFERRED -> {
                queue.failuresInARow = 0;
                synchronized (lock) {
                    queue.pending.pollFirst();
                    queue.pending.addLast(work);
                }
                pool.schedule(() -> drain(queue), deferDelay.toMillis(), TimeUnit.MILLISECONDS);
            }
            case RETRY -> {
                queue.failuresInARow++;
                long delay = pauseMillis(pause, queue.failuresInARow, ThreadLocalRandom.current().nextDouble());
                pool.schedule(() -> drain(queue), delay, TimeUnit.MILLISECONDS);
            }
            case ABANDONED -> {
                // The queue stays as it is: nothing of it is committed, and the pool is shutting down.
            }
        }
    }

    private void next(Queue queue, Work done, boolean finished) {
        left.accept(done);
        synchronized (lock) {
            queue.pending.pollFirst();
            if (finished) {
                done.progress().finished(done.record().offset());
            }
            if (queue.pending.isEmpty()) {
                queues.remove(queue.key);
            } else {
                pool.execute(() -> drain(queue));
            }
        }
    }
}
