package io.zonekeeper.common.kafka;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * What a {@link KeyedParallelConsumer} owns and how far it has got, readable from other threads. It exists before the
 * consumer does, so the parts the consumer's handler is built from (a reap fence, a schedule that acts only for the
 * partitions this instance owns) can be given it without waiting for the consumer.
 */
public final class ConsumerProgress {

    private final CommitTracker tracker = new CommitTracker();
    /** Updated by the consumer's rebalance listener; the consumer itself is single-threaded. */
    private final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();

    /**
     * The offset below which every record of the partition has been processed (the oldest unfinished record, or
     * one past the newest dispatched when none is unfinished), or -1 when this instance holds nothing of the
     * partition. A record of another topic that must follow records of this partition waits until this passes
     * them: being dispatched is not enough, since they may sit behind it in the same key's queue.
     */
    public long completedUpTo(TopicPartition partition) {
        return tracker.completedUpTo(partition);
    }

    /**
     * The partitions this instance owns now. Work scheduled from outside the topics (renewals, say) is issued
     * only by the owner of the key's partition, so two instances never both issue it.
     */
    public Set<TopicPartition> assignment() {
        return Set.copyOf(owned);
    }

    /** Whether this instance owns {@code partition} of {@code topic} now. */
    public boolean owns(String topic, int partition) {
        return owned.contains(new TopicPartition(topic, partition));
    }

    CommitTracker tracker() {
        return tracker;
    }

    Set<TopicPartition> owned() {
        return owned;
    }
}
