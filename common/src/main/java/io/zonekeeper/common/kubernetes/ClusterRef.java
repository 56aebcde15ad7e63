package io.zonekeeper.common.kubernetes;

/**
 * A cluster as an organization's record names it: whose it says it is, its id, and where its kubeconfig is. Nothing
 * here is trusted until {@link ClusterClaims} has checked it against the cluster's claim.
 */
public record ClusterRef(String orgId, String clusterId, String kubeconfigPath) {
}
