package io.zonekeeper.common.config;

import java.time.Duration;

/**
 * Bounded exponential backoff with jitter for transient faults: at most {@code maxAttempts} tries, the delay
 * doubling from {@code initialDelay} up to {@code maxDelay}, each delay varied by up to {@code jitter} of itself.
 */
public record RetrySettings(int maxAttempts, Duration initialDelay, Duration maxDelay, double jitter) {

    public RetrySettings {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        if (initialDelay.isNegative() || initialDelay.isZero() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("delays must be positive and maxDelay >= initialDelay");
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1)");
        }
    }

    public static RetrySettings read(EnvReader env) {
        int attempts = env.integer("RETRY_MAX_ATTEMPTS", 8, 1, 100);
        Duration initial = env.duration("RETRY_INITIAL_DELAY", Duration.ofMillis(200));
        Duration max = env.duration("RETRY_MAX_DELAY", Duration.ofSeconds(20));
        double jitter = env.decimal("RETRY_JITTER", 0.5, 0, 0.99);
        if (initial.isZero() || max.compareTo(initial) < 0) {
            env.problem("RETRY_INITIAL_DELAY must be positive and not above RETRY_MAX_DELAY");
            return new RetrySettings(attempts, Duration.ofMillis(200), Duration.ofSeconds(20), jitter);
        }
        return new RetrySettings(attempts, initial, max, jitter);
    }
}
