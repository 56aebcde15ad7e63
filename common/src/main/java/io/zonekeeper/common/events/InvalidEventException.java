package io.zonekeeper.common.events;

import io.zonekeeper.common.retry.RejectedRecordException;

/** An event that can never be applied as it is; it is dead-lettered with this message as the reason. */
public final class InvalidEventException extends RejectedRecordException {

    public InvalidEventException(String reason) {
        super(reason);
    }
}
