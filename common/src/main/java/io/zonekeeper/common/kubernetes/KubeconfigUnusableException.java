package io.zonekeeper.common.kubernetes;

/**
 * The kubeconfig a lifecycle event points at is missing from Vault or cannot be parsed. Permanent for that
 * event: the record is dead-lettered with this reason. The message never quotes the kubeconfig.
 */
public final class KubeconfigUnusableException extends RuntimeException {

    public KubeconfigUnusableException(String message) {
        super(message);
    }
}
