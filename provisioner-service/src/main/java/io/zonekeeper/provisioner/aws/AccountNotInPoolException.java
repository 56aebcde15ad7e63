package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.retry.RejectedRecordException;

/**
 * An organization's state places it in an account the pool no longer has (its role taken out of AWS_ACCOUNT_ROLES):
 * nothing of it can be reached, so its records are dead-lettered until the role is back, and redriven then.
 */
public final class AccountNotInPoolException extends RejectedRecordException {

    public AccountNotInPoolException(String orgId, String account) {
        super("organization " + orgId + " lives in AWS account " + account + ", which is not in the provisioner's"
                + " pool: add its role to AWS_ACCOUNT_ROLES again, then redrive");
    }
}
