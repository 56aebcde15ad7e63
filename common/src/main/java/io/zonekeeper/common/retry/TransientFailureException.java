package io.zonekeeper.common.retry;

/**
 * A transient fault outlasted the bounded retries of one operation. Never a reason to dead-letter: the caller
 * pauses the affected work and tries again later, because the dependency is expected to come back.
 */
public final class TransientFailureException extends RuntimeException {

    private final String operation;
    private final int attempts;

    public TransientFailureException(String operation, int attempts, Throwable lastFailure) {
        super(operation + " still failing after " + attempts + " attempts: " + lastFailure.getClass().getSimpleName(),
                lastFailure);
        this.operation = operation;
        this.attempts = attempts;
    }

    public String operation() {
        return operation;
    }

    public int attempts() {
        return attempts;
    }
}
