package io.zonekeeper.common.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which records of each owned partition are dispatched and not finished, and what may therefore be committed: per
 * partition, the offset of the oldest unfinished record, never past a record whose effects are not yet durable,
 * however many later records of other keys have finished.
 */
final class CommitTracker {

    private final Map<TopicPartition, PartitionProgress> progress = new ConcurrentHashMap<>();

    PartitionProgress dispatched(ConsumerRecord<?, ?> record) {
        PartitionProgress p = progress.computeIfAbsent(new TopicPartition(record.topic(), record.partition()),
                tp -> new PartitionProgress());
        p.dispatched(record.offset());
        return p;
    }

    /** The offset below which every record of the partition is finished, or -1 when none is held here. */
    long completedUpTo(TopicPartition partition) {
        PartitionProgress p = progress.get(partition);
        return p == null ? -1 : p.committable();
    }

    /** Records the consumer's position of each tracked partition it still owns; see {@link PartitionProgress#caughtUpTo}. */
    void caughtUp(Consumer<?, ?> consumer) {
        Set<TopicPartition> assigned = consumer.assignment();
        progress.forEach((tp, p) -> {
            if (assigned.contains(tp)) {
                p.caughtUpTo(consumer.position(tp));
            }
        });
    }

    int inFlight(TopicPartition partition) {
        PartitionProgress p = progress.get(partition);
        return p == null ? 0 : p.inFlight();
    }

    int inFlight() {
        return progress.values().stream().mapToInt(PartitionProgress::inFlight).sum();
    }

    Set<TopicPartition> partitions() {
        return Set.copyOf(progress.keySet());
    }

    /** Commits what moved since the last commit, for each of {@code partitions}; call on the polling thread. */
    void commit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
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
        offsets.forEach((tp, offset) -> {
            PartitionProgress p = progress.get(tp);
            if (p != null) {
                p.committed(offset.offset());
            }
        });
    }

    /** Waits, at most {@code grace}, until nothing of {@code partitions} is in flight; true if so. */
    boolean awaitIdle(Collection<TopicPartition> partitions, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (partitions.stream().anyMatch(tp -> inFlight(tp) > 0)) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * Forgets the partitions: their records still queued here are dropped when they reach the head of their key's
     * queue, uncommitted, and the new owner processes them (handlers are idempotent).
     */
    /**
     * Starts tracking a partition just assigned at the consumer's {@code position}, so it counts as completed up
     * to there before its first record arrives: a record of another topic waiting for this partition to pass an
     * offset (a reap waiting for its organization's lifecycle events) is not held up by a partition that is quiet
     * after a restart or rebalance.
     */
    void assigned(TopicPartition partition, long position) {
        progress.putIfAbsent(partition, new PartitionProgress(position));
    }

    void revoke(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            PartitionProgress p = progress.remove(tp);
            if (p != null) {
                p.revoke();
            }
        }
    }
}
