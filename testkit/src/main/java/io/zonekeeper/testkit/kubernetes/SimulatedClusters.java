package io.zonekeeper.testkit.kubernetes;

import io.zonekeeper.testkit.vault.OpenBaoMount;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Simulated clusters whose kubeconfigs sit in Vault where the upstream provisioner puts them (key
 * {@code kubeconfig} at {@link #kubeconfigPath}), started on first mention and stopped together.
 */
public final class SimulatedClusters implements AutoCloseable {

    private final OpenBaoMount vault;
    private final Map<String, SimulatedCluster> clusters = new LinkedHashMap<>();

    public SimulatedClusters(OpenBaoMount vault) {
        this.vault = vault;
    }

    /** The folder the kubeconfigs are stored under, what the services' Vault policies let them read. */
    public static final String KUBECONFIG_PREFIX = "clusters";

    public static String kubeconfigPath(String clusterId) {
        return KUBECONFIG_PREFIX + "/" + clusterId + "/kubeconfig";
    }

    /** The cluster, started and its kubeconfig written to Vault if this is its first mention. */
    public synchronized SimulatedCluster get(String clusterId) {
        return clusters.computeIfAbsent(clusterId, id -> {
            SimulatedCluster cluster = SimulatedCluster.start(id);
            vault.write(kubeconfigPath(id), Map.of("kubeconfig", cluster.kubeconfig()));
            return cluster;
        });
    }

    /** Every cluster started so far, by id (a live, read-only view). */
    public Map<String, SimulatedCluster> all() {
        return Collections.unmodifiableMap(clusters);
    }

    @Override
    public synchronized void close() {
        clusters.values().forEach(SimulatedCluster::close);
    }
}
