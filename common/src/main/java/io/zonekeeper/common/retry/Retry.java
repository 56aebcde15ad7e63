package io.zonekeeper.common.retry;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.failsafe.function.CheckedRunnable;
import dev.failsafe.function.CheckedSupplier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.zonekeeper.common.config.RetrySettings;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one retry helper: runs an operation, retrying failures its {@code isRetryable} predicate calls transient
 * with bounded, jittered exponential backoff (Failsafe). A permanent failure is rethrown at once; a transient one
 * that outlasts the attempts becomes a {@link TransientFailureException}, so callers can tell "pause and come
 * back" from "dead-letter".
 */
public final class Retry {

    private static final Logger LOG = LoggerFactory.getLogger(Retry.class);

    private final RetrySettings settings;
    private final MeterRegistry metrics;

    public Retry(RetrySettings settings, MeterRegistry metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    public <T> T call(String operation, Predicate<Throwable> isRetryable, CheckedSupplier<T> action) {
        RetryPolicy<T> policy = policy(operation, isRetryable);
        try {
            return Failsafe.with(policy).get(action);
        } catch (FailsafeException e) {
            // Failsafe wraps checked exceptions; unwrap so callers see what the operation threw.
            throw translate(operation, isRetryable, e.getCause() == null ? e : e.getCause());
        } catch (RuntimeException e) {
            throw translate(operation, isRetryable, e);
        }
    }

    public void run(String operation, Predicate<Throwable> isRetryable, CheckedRunnable action) {
        call(operation, isRetryable, () -> {
            action.run();
            return null;
        });
    }

    private <T> RetryPolicy<T> policy(String operation, Predicate<Throwable> isRetryable) {
        Counter retries = Counter.builder("zonekeeper.retries")
                .description("Attempts repeated after a transient fault")
                .tag("operation", operation)
                .register(metrics);
        return RetryPolicy.<T>builder()
                .handleIf(isRetryable::test)
                .withBackoff(settings.initialDelay(), settings.maxDelay())
                .withJitter(settings.jitter())
                .withMaxAttempts(settings.maxAttempts())
                .onRetry(event -> {
                    retries.increment();
                    Throwable failure = event.getLastException();
                    LOG.warn("{} failed with a transient fault (attempt {} of {}), retrying: {}", operation,
                            event.getAttemptCount(), settings.maxAttempts(), describe(failure));
                })
                .build();
    }

    private RuntimeException translate(String operation, Predicate<Throwable> isRetryable, Throwable failure) {
        if (isRetryable.test(failure)) {
            return new TransientFailureException(operation, settings.maxAttempts(), failure);
        }
        return failure instanceof RuntimeException runtime ? runtime : new PermanentFailureException(operation, failure);
    }

    /** Class and message only: the messages of the clients used here carry no secret values. */
    static String describe(Throwable failure) {
        return failure == null ? "unknown" : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }
}
