package io.zonekeeper.reaper;

import io.zonekeeper.schemas.OrgDnsState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads of this instance's state stores (its active tasks only). The three stores are keyed by organization id
 * and fed from co-partitioned topics, so an organization's usage, zone and pending reap sit on one instance.
 * Throws Streams' {@code InvalidStateStoreException} while the instance is rebalancing or restoring.
 */
final class OrgStores {

    private final KafkaStreams streams;
    private final String lifecycleTopic;
    private final String self;

    OrgStores(KafkaStreams streams, String lifecycleTopic, String self) {
        this.streams = streams;
        this.lifecycleTopic = lifecycleTopic;
        this.self = self;
    }

    Optional<OrgView> get(String orgId) {
        OrgUsage usage = usage().get(orgId);
        OrgDnsState zone = zones().get(orgId);
        if (usage == null && zone == null) {
            return Optional.empty();
        }
        return Optional.of(OrgView.of(orgId, usage, zone, reaps().get(orgId), self));
    }

    /** Up to {@code limit} organizations with ids after {@code after} (null: from the start), in id order. */
    List<OrgView> page(String after, int limit) {
        // A store spanning several partitions iterates them one after another, each sorted on its own: the
        // first ids overall are among the first ids of each partition.
        TreeSet<String> ids = new TreeSet<>();
        for (int partition : localPartitions()) {
            ids.addAll(keys(store(RunningClustersTopology.USAGE_STORE, partition), after, limit));
            ids.addAll(keys(store(RunningClustersTopology.ZONES_STORE, partition), after, limit));
        }
        List<OrgView> views = new ArrayList<>();
        for (String id : ids) {
            if (views.size() == limit) {
                break;
            }
            get(id).ifPresent(views::add);
        }
        return views;
    }

    private static List<String> keys(ReadOnlyKeyValueStore<String, ?> store, String after, int limit) {
        List<String> keys = new ArrayList<>();
        // Keys are ASCII organization ids, so the store's byte order is their string order; "\0" makes the
        // lower bound exclusive.
        try (KeyValueIterator<String, ?> range = store.range(after == null ? null : after + "\0", null)) {
            while (range.hasNext() && keys.size() < limit) {
                KeyValue<String, ?> next = range.next();
                keys.add(next.key);
            }
        }
        return keys;
    }

    /** The lifecycle partitions this instance processes (active tasks). */
    private Set<Integer> localPartitions() {
        Set<Integer> partitions = new TreeSet<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            for (TaskMetadata task : thread.activeTasks()) {
                task.topicPartitions().stream().filter(tp -> tp.topic().equals(lifecycleTopic))
                        .forEach(tp -> partitions.add(tp.partition()));
            }
        }
        return partitions;
    }

    private ReadOnlyKeyValueStore<String, Object> store(String name, int partition) {
        return streams.store(StoreQueryParameters.<ReadOnlyKeyValueStore<String, Object>>fromNameAndType(name,
                QueryableStoreTypes.keyValueStore()).withPartition(partition));
    }

    private ReadOnlyKeyValueStore<String, OrgUsage> usage() {
        return streams.store(StoreQueryParameters.fromNameAndType(RunningClustersTopology.USAGE_STORE,
                QueryableStoreTypes.keyValueStore()));
    }

    private ReadOnlyKeyValueStore<String, OrgDnsState> zones() {
        return streams.store(StoreQueryParameters.fromNameAndType(RunningClustersTopology.ZONES_STORE,
                QueryableStoreTypes.keyValueStore()));
    }

    private ReadOnlyKeyValueStore<String, PendingReap> reaps() {
        return streams.store(StoreQueryParameters.fromNameAndType(RunningClustersTopology.PENDING_REAPS_STORE,
                QueryableStoreTypes.keyValueStore()));
    }
}
