package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.retry.RejectedRecordException;

/**
 * Route53 has no room for a new zone: the account's hosted zones, or the zones of the reusable delegation sets new
 * zones go into, are at their quota. Permanent for this record (no retry loop); the organization gets its zone once
 * room exists and its next event or an operator's reconcile arrives.
 */
public final class ZoneQuotaException extends RejectedRecordException {

    /** {@code quota} says which quota is reached and what to do about it. */
    public ZoneQuotaException(String zoneName, String quota, Throwable cause) {
        super("no room for zone " + zoneName + ": " + quota + "; once there is room, reconcile the organization",
                cause);
    }
}
