package io.zonekeeper.common.retry;

/** A checked failure that retrying cannot fix, unwrapped from the retry machinery with its operation named. */
public final class PermanentFailureException extends RuntimeException {

    public PermanentFailureException(String operation, Throwable cause) {
        super(operation + " failed: " + cause.getClass().getSimpleName(), cause);
    }
}
