package io.zonekeeper.common.kafka;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Stops fetching a partition whose backlog of unfinished records reached a bound (a dependency of many of its keys
 * is down, say) and fetches it again once half of that has drained, so memory stays bounded while the consumer
 * keeps polling and stays in its group. Pausing only stops fetching: the partition stays assigned.
 */
final class Backpressure {

    private final int maxInFlightPerPartition;
    private final Set<TopicPartition> paused = new HashSet<>();

    Backpressure(int maxInFlightPerPartition) {
        this.maxInFlightPerPartition = maxInFlightPerPartition;
    }

    /** Pauses and resumes the consumer's partitions by their backlog; call on the polling thread after each poll. */
    void apply(Consumer<?, ?> consumer, CommitTracker tracker) {
        Set<TopicPartition> assigned = consumer.assignment();
        for (TopicPartition tp : assigned) {
            int inFlight = tracker.inFlight(tp);
            if (inFlight >= maxInFlightPerPartition && paused.add(tp)) {
                consumer.pause(Set.of(tp));
            } else if (inFlight < maxInFlightPerPartition / 2 && paused.remove(tp)) {
                consumer.resume(Set.of(tp));
            }
        }
        paused.retainAll(assigned);
    }

    /** Partitions no longer owned: a new assignment starts unpaused. */
    void forget(Collection<TopicPartition> partitions) {
        paused.removeAll(partitions);
    }
}
