package io.zonekeeper.reaper;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Where the organizations' state lives, from Streams' metadata (the Streams examples' {@code MetadataService}): the
 * instance that owns an organization, every instance that holds a share, and which lifecycle partitions each owns.
 */
final class OrgMetadataService {

    private final KafkaStreams streams;
    private final String lifecycleTopic;

    OrgMetadataService(KafkaStreams streams, String lifecycleTopic) {
        this.streams = streams;
        this.lifecycleTopic = lifecycleTopic;
    }

    /** Whether this instance is processing (not rebalancing or restoring). */
    boolean running() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    String state() {
        return streams.state().name();
    }

    /** The instance that owns {@code orgId} now, or empty while none does (a rebalance). */
    Optional<HostInfo> ownerOf(String orgId) {
        KeyQueryMetadata owner = streams.queryMetadataForKey(RunningClustersTopology.USAGE_STORE, orgId,
                Serdes.String().serializer());
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return Optional.empty();
        }
        return Optional.of(owner.activeHost());
    }

    /** Every instance holding a share of the organizations. */
    List<HostInfo> instances() {
        return streams.streamsMetadataForStore(RunningClustersTopology.USAGE_STORE).stream()
                .map(StreamsMetadata::hostInfo).toList();
    }

    /** Which lifecycle partitions each instance owns (actively) now. */
    Map<HostInfo, Set<Integer>> owners() {
        Map<HostInfo, Set<Integer>> owners = new HashMap<>();
        for (StreamsMetadata instance : streams.streamsMetadataForStore(RunningClustersTopology.USAGE_STORE)) {
            Set<Integer> partitions = new HashSet<>();
            instance.topicPartitions().stream().filter(tp -> tp.topic().equals(lifecycleTopic))
                    .forEach(tp -> partitions.add(tp.partition()));
            owners.put(instance.hostInfo(), partitions);
        }
        return owners;
    }
}
