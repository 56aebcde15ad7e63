package io.zonekeeper.reaper;

/** A lifecycle event the reaper must not count; it is dead-lettered with this message as the reason. */
final class InvalidEventException extends RuntimeException {

    InvalidEventException(String reason) {
        super(reason);
    }
}
