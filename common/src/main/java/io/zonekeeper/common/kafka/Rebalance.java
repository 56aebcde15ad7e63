package io.zonekeeper.common.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands partitions over in a rebalance without losing or repeating more than it must: on revocation the records in
 * flight get a grace period to finish, what finished is committed, and the rest is left to the new owner
 * uncommitted; a lost partition (already someone else's) commits nothing.
 */
final class Rebalance implements ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(Rebalance.class);

    private final Consumer<?, ?> consumer;
    private final CommitTracker tracker;
    private final Backpressure backpressure;
    private final Duration grace;
    private final Set<TopicPartition> owned;
    private final AtomicBoolean settled;

    /**
     * @param owned   updated here with what this instance owns, for readers on other threads
     * @param settled true from an assignment until the next revocation or loss: the instance has joined the group
     *                and knows what it owns
     */
    Rebalance(Consumer<?, ?> consumer, CommitTracker tracker, Backpressure backpressure, Duration grace,
              Set<TopicPartition> owned, AtomicBoolean settled) {
        this.consumer = consumer;
        this.tracker = tracker;
        this.backpressure = backpressure;
        this.grace = grace;
        this.owned = owned;
        this.settled = settled;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        settled.set(false);
        if (!tracker.awaitIdle(partitions, grace)) {
            LOG.warn("records of {} still in flight after {}: the new owner processes them again", partitions, grace);
        }
        try {
            tracker.commit(consumer, partitions);
        } catch (RuntimeException e) {
            LOG.warn("commit on revocation failed for {}; the new owner processes their records again", partitions, e);
        }
        release(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        settled.set(false);
        release(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        LOG.info("assigned {}", partitions);
        for (TopicPartition tp : partitions) {
            try {
                tracker.assigned(tp, consumer.position(tp));
            } catch (RuntimeException e) {
                // Known at the first record instead; only a wait for this partition to pass an offset is longer.
                LOG.warn("no position for {} yet: {}", tp, e.toString());
            }
        }
        owned.addAll(partitions);
        settled.set(true);
    }

    private void release(Collection<TopicPartition> partitions) {
        owned.removeAll(partitions);
        tracker.revoke(partitions);
        backpressure.forget(partitions);
    }
}
