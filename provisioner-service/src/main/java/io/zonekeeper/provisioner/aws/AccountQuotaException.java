package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.retry.RejectedRecordException;

/**
 * A new organization would exceed one of the account's quotas: refused before anything of it is made, with no
 * retry loop. It gets its zone once room exists and its next event or an operator's reconcile arrives.
 */
public final class AccountQuotaException extends RejectedRecordException {

    public AccountQuotaException(String orgId, String zoneName, AccountQuotas.Quota quota) {
        super("no room for organization " + orgId + " (zone " + zoneName + "): the account uses " + quota.used()
                + " of its " + quota.limit() + " " + quota.name() + "; raise the quota or free some, then reconcile"
                + " the organization; nothing was created");
    }
}
