package io.zonekeeper.common.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Every topic an installation needs, with the partitions and cleanup each must have: one place for {@code zk topics},
 * the local run and the tests, from the same names the ACLs cover ({@link KafkaAccess.Names}).
 *
 * <p>Every topic keyed by organization has the same number of partitions: the ingress writes each record to the
 * partition Kafka's Java client gives its key in the by-organization topics, the reaper joins the lifecycle with the
 * zone states partition by partition, and a reap command or a command must land where its organization's lifecycle
 * events are consumed. The state topics are compacted (one record per key is their meaning); every other topic must
 * not be (a compacted lifecycle topic would lose events). Dead-letter topics are small and not keyed by anything
 * that needs order: one partition.
 */
public record TopicLayout(List<Topic> topics) {

    /**
     * How long a state record may wait before compaction can remove the records it replaces. Compaction never
     * cleans a partition's active segment, and Kafka rolls one only after {@code segment.ms} (seven days by default)
     * or {@code segment.bytes} (1 GiB); on a compacted topic {@code max.compaction.lag.ms} also rolls it. Without
     * this, every restore re-reads every state written in the last week, not one record per key.
     */
    public static final long STATE_MAX_COMPACTION_LAG_MS = 3_600_000L;

    /** One topic as it must be. */
    public record Topic(String name, int partitions, boolean compacted) {

        /** The topic-level settings it is created with: none but Kafka's defaults unless compacted. */
        public Map<String, String> configs() {
            return compacted ? Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, Long.toString(STATE_MAX_COMPACTION_LAG_MS)) : Map.of();
        }
    }

    /**
     * What exists of a topic on the brokers.
     *
     * @param maxCompactionLagMs its {@code max.compaction.lag.ms}; {@link Long#MAX_VALUE}, Kafka's default, when unset
     */
    public record Existing(int partitions, String cleanupPolicy, long maxCompactionLagMs) {

        /** A state topic made before the layout set a compaction lag: its active segment rolls after days. */
        public boolean compactsLate() {
            return maxCompactionLagMs == Long.MAX_VALUE;
        }
    }

    public static TopicLayout of(KafkaAccess.Names names, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, not " + partitions);
        }
        List<Topic> topics = new ArrayList<>();
        for (String input : names.inputs()) {
            topics.add(new Topic(input, partitions, false));
        }
        topics.add(new Topic(names.lifecycleByOrg(), partitions, false));
        topics.add(new Topic(names.requestsByOrg(), partitions, false));
        for (String state : List.of(names.orgDns(), names.clusterTls(), names.orgClusters())) {
            topics.add(new Topic(state, partitions, true));
        }
        topics.add(new Topic(names.audit(), partitions, false));
        for (String input : names.inputs()) {
            topics.add(new Topic(names.deadLetters(input), 1, false));
        }
        return new TopicLayout(List.copyOf(topics));
    }

    /**
     * What is wrong with {@code existing} (by topic name) against this layout, one sentence each: a missing topic, a
     * partition count other than the layout's (which would break co-partitioning), a state topic not compacted or
     * compacting only after days, another topic compacted. Empty when all is well.
     */
    public List<String> problems(Map<String, Existing> existing) {
        List<String> problems = new ArrayList<>();
        for (Topic topic : topics) {
            Optional<Existing> found = Optional.ofNullable(existing.get(topic.name()));
            if (found.isEmpty()) {
                problems.add(topic.name() + " is missing");
                continue;
            }
            if (found.get().partitions() != topic.partitions()) {
                problems.add(topic.name() + " has " + found.get().partitions() + " partitions, not "
                        + topic.partitions() + (topic.partitions() > 1 ? ": every topic keyed by organization needs"
                        + " the same count" : ""));
            }
            boolean compacted = found.get().cleanupPolicy() != null && found.get().cleanupPolicy().contains("compact");
            if (topic.compacted() && !compacted) {
                problems.add(topic.name() + " is not compacted (cleanup.policy=" + found.get().cleanupPolicy()
                        + "): a state topic keeps one record per key");
            } else if (topic.compacted() && found.get().compactsLate()) {
                problems.add(topic.name() + " has no max.compaction.lag.ms: its newest states stay uncompacted until"
                        + " its segment rolls (seven days by default), and every restart reads them all;"
                        + " --create sets " + STATE_MAX_COMPACTION_LAG_MS);
            }
            if (!topic.compacted() && compacted) {
                problems.add(topic.name() + " is compacted: it would lose records that are not states");
            }
        }
        return problems;
    }
}
