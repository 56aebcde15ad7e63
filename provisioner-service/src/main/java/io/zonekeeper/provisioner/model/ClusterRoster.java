package io.zonekeeper.provisioner.model;

import io.zonekeeper.schemas.OrgCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The clusters of one organization as the state topic remembers them: which exist, which run, and which key and
 * zone each one's ExternalDNS was last given. Pure: the lists are copied, never changed in place.
 */
public final class ClusterRoster {

    private ClusterRoster() {
    }

    /** The cluster as just configured with {@code accessKeyId}, {@code zoneId} and the fleet's polling, running. */
    public static List<OrgCluster> configured(List<OrgCluster> roster, String clusterId, String kubeconfigVaultPath,
                                              String accessKeyId, String zoneId, FleetPolling polling) {
        return with(roster, new OrgCluster(clusterId, kubeconfigVaultPath, true, accessKeyId, zoneId, null,
                polling.intervalSeconds()));
    }

    /**
     * The cluster no longer runs (STOPPED, ERROR): it keeps what it has, and the kubeconfig it was reached through,
     * and is brought up to date when it runs. A cluster the roster does not know is not added: nothing of the
     * organization's is in it, and a stop must not make the organization look like the owner of a cluster another
     * organization may run first.
     */
    public static List<OrgCluster> stopped(List<OrgCluster> roster, String clusterId) {
        OrgCluster known = find(roster, clusterId);
        return known == null ? roster : with(roster, OrgCluster.newBuilder(known).setRunning(false).build());
    }

    public static List<OrgCluster> deleted(List<OrgCluster> roster, String clusterId) {
        return roster.stream().filter(c -> !c.getClusterId().equals(clusterId)).toList();
    }

    /**
     * A running cluster whose ExternalDNS has another key or zone than these, polls more often than the fleet's
     * interval (the fleet outgrew its Route53 share), or whose last rollout failed.
     */
    public static boolean isBehind(OrgCluster cluster, String accessKeyId, String zoneId, FleetPolling polling) {
        return cluster.getRunning() && (cluster.getLastError() != null
                || !accessKeyId.equals(cluster.getAccessKeyId()) || !zoneId.equals(cluster.getZoneId())
                || interval(cluster).compareTo(polling.interval()) < 0);
    }

    /** The interval the cluster's ExternalDNS polls at, as last deployed. */
    public static Duration interval(OrgCluster cluster) {
        return cluster.getExternalDnsIntervalSeconds() == null ? FleetPolling.LEGACY
                : Duration.ofSeconds(cluster.getExternalDnsIntervalSeconds());
    }

    /** The key ids running clusters still use, other than {@code accessKeyId}: not to be deleted yet. */
    public static List<String> keysInUse(List<OrgCluster> roster, String accessKeyId) {
        return roster.stream().filter(OrgCluster::getRunning).map(OrgCluster::getAccessKeyId)
                .filter(id -> id != null && !id.equals(accessKeyId)).distinct().toList();
    }

    private static OrgCluster find(List<OrgCluster> roster, String clusterId) {
        return roster.stream().filter(c -> c.getClusterId().equals(clusterId)).findFirst().orElse(null);
    }

    /** The roster with {@code cluster} in place of its earlier entry, ordered by id so the state is stable. */
    private static List<OrgCluster> with(List<OrgCluster> roster, OrgCluster cluster) {
        List<OrgCluster> updated = new ArrayList<>(deleted(roster, cluster.getClusterId()));
        updated.add(cluster);
        updated.sort(Comparator.comparing(OrgCluster::getClusterId));
        return List.copyOf(updated);
    }
}
