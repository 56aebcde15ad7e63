package io.zonekeeper.common.kubernetes;

import io.zonekeeper.common.retry.RejectedRecordException;

/**
 * A record names a cluster (by id, by kubeconfig path or by the API server its kubeconfig reaches) that another
 * organization holds. Permanent: no retry makes the cluster this organization's, so the record is dead-lettered and
 * audited with this reason. The reason names ids and paths only, never a kubeconfig.
 */
public final class ClusterClaimedException extends RejectedRecordException {

    public ClusterClaimedException(String reason) {
        super(reason);
    }
}
