package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.retry.RejectedRecordException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A new organization would exceed one of an account's quotas, and no other account of the pool has room: refused
 * before anything of it is made, with no retry loop. It gets its zone once room exists (a quota raised, zones
 * reaped, an account added to the pool) and its next event or an operator's reconcile arrives.
 */
public final class AccountQuotaException extends RejectedRecordException {

    /** One account's full quota. */
    public record Full(String account, AccountQuotas.Quota quota) {

        @Override
        public String toString() {
            return "account " + account + " uses " + quota.used() + " of its " + quota.limit() + " " + quota.name();
        }
    }

    /** No account of the pool has room: why, account by account. */
    public AccountQuotaException(String orgId, String zoneName, List<Full> everyAccount) {
        super("no room for organization " + orgId + " (zone " + zoneName + "): "
                + everyAccount.stream().map(Full::toString).collect(Collectors.joining("; "))
                + "; raise a quota, free some" + (everyAccount.size() > 1 ? " or add an account to the pool"
                + " (AWS_ACCOUNT_ROLES)" : "") + ", then reconcile the organization; nothing was created");
    }
}
