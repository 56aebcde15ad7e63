package io.zonekeeper.provisioner;

import io.zonekeeper.common.retry.RejectedRecordException;

/**
 * The zone an organization's name maps to exists and is not the organization's: another organization's (two
 * organizations with one name), or one Zonekeeper did not make while adoption is off. Permanent for this event:
 * it is dead-lettered with this reason and nothing is created or changed.
 */
final class ZoneOwnershipException extends RejectedRecordException {

    ZoneOwnershipException(String message) {
        super(message);
    }
}
