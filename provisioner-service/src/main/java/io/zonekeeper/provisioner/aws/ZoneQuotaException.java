package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.retry.RejectedRecordException;

/**
 * Route53 refused a new zone because a quota is reached: the account's hosted zones, or the zones one reusable
 * delegation set may hold. Permanent for this record (no retry loop); the organization gets its zone once room
 * exists and its next event or an operator's reconcile arrives.
 */
public final class ZoneQuotaException extends RejectedRecordException {

    public ZoneQuotaException(String zoneName, String delegationSetId, Throwable cause) {
        super("no room for zone " + zoneName + ": Route53 refused it (" + cause.getClass().getSimpleName()
                + ") because the account's hosted-zone quota" + (delegationSetId == null ? ""
                : " or the quota of zones in delegation set " + delegationSetId + " (100 by default)")
                + " is reached; raise the quota" + (delegationSetId == null ? "" : " or configure another set")
                + ", then reconcile the organization", cause);
    }
}
