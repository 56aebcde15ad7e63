package io.zonekeeper.common.events;

/** An event that can never be applied as it is; it is dead-lettered with this message as the reason. */
public final class InvalidEventException extends RuntimeException {

    public InvalidEventException(String reason) {
        super(reason);
    }
}
