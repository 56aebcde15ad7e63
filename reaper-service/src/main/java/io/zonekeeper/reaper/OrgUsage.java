package io.zonekeeper.reaper;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the reaper knows of one organization's clusters: for each cluster the time of the newest event applied
 * and whether the cluster uses the zone, plus the newest lifecycle position considered (the fence a reap
 * command carries). Immutable; stored as JSON in the topology's state store.
 *
 * @param clusters clusterId -> newest applied event of that cluster
 * @param topic    the topic of the position; null in usages stored before the ingress, whose positions are in the
 *                 upstream's topic and are not compared with the by-organization topic's
 */
public record OrgUsage(String orgName, Map<String, ClusterUse> clusters, long lastChangedAt, String topic,
                       int partition, long offset) {

    /** The newest applied event of one cluster. */
    public record ClusterUse(long occurredAt, boolean using) {
    }

    public OrgUsage {
        clusters = Map.copyOf(clusters);
    }

    public static OrgUsage empty(String orgName) {
        return new OrgUsage(orgName, Map.of(), 0, null, -1, -1);
    }

    /** Cluster ids using the zone, sorted. */
    public TreeSet<String> using() {
        TreeSet<String> ids = new TreeSet<>();
        clusters.forEach((id, use) -> {
            if (use.using()) {
                ids.add(id);
            }
        });
        return ids;
    }

    /**
     * This usage with one cluster event applied. An event older than the one already applied for the cluster
     * changes nothing but the position (events arrive late and twice; the newest wins).
     */
    public OrgUsage apply(String clusterId, long occurredAt, boolean using, String name, String atTopic,
                          int atPartition, long atOffset) {
        // A position in another topic (or partition) is not comparable: the newest is the one just seen.
        long newest = atTopic.equals(topic) && atPartition == partition ? Math.max(offset, atOffset) : atOffset;
        ClusterUse current = clusters.get(clusterId);
        if (current != null && occurredAt < current.occurredAt()) {
            return new OrgUsage(orgName, clusters, lastChangedAt, atTopic, atPartition, newest);
        }
        Map<String, ClusterUse> next = new TreeMap<>(clusters);
        next.put(clusterId, new ClusterUse(occurredAt, using));
        boolean changed = current == null ? using : current.using() != using;
        return new OrgUsage(name, next, changed ? Math.max(lastChangedAt, occurredAt) : lastChangedAt, atTopic,
                atPartition, newest);
    }
}
