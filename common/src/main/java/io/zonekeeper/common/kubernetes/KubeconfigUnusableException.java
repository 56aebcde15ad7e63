package io.zonekeeper.common.kubernetes;

import io.zonekeeper.common.retry.RejectedRecordException;

/**
 * The kubeconfig a lifecycle event points at is missing from Vault or cannot be parsed. Permanent for that
 * event: the record is dead-lettered with this reason. The message never quotes the kubeconfig.
 */
public final class KubeconfigUnusableException extends RejectedRecordException {

    public KubeconfigUnusableException(String message) {
        super(message);
    }
}
