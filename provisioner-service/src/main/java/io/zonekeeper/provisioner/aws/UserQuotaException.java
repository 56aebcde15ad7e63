package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.retry.RejectedRecordException;

/**
 * IAM refused a new user because the account's user quota is reached (the account filled up since
 * {@link AccountQuotas} last read it). Permanent for this record; the organization's zone, made before, is found
 * and used again once room exists and its next event or an operator's reconcile arrives.
 */
public final class UserQuotaException extends RejectedRecordException {

    public UserQuotaException(String userName, Throwable cause) {
        super("no room for IAM user " + userName + ": IAM refused it (LimitExceeded) because the account's user quota"
                + " is reached; raise the quota or free some, then reconcile the organization", cause);
    }
}
