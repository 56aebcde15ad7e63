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

    public static final Setting<Integer> MAX_ATTEMPTS = Setting.integer("RETRY_MAX_ATTEMPTS", 8, 1, 100,
            "attempts per operation on transient faults");
    public static final Setting<Duration> INITIAL_DELAY = Setting.duration("RETRY_INITIAL_DELAY", "200ms",
            "the first backoff");
    public static final Setting<Duration> MAX_DELAY = Setting.duration("RETRY_MAX_DELAY", "20s",
            "the longest backoff, and how long an organization waits at most between tries of a lasting fault");
    public static final Setting<Double> JITTER = Setting.decimal("RETRY_JITTER", 0.5, 0, 0.99,
            "each delay varies by up to this fraction");

    public static RetrySettings read(EnvReader env) {
        int attempts = MAX_ATTEMPTS.read(env);
        Duration initial = INITIAL_DELAY.read(env);
        Duration max = MAX_DELAY.read(env);
        double jitter = JITTER.read(env);
        if (initial.isZero() || max.compareTo(initial) < 0) {
            env.problem("RETRY_INITIAL_DELAY must be positive and not above RETRY_MAX_DELAY");
            return new RetrySettings(attempts, Duration.ofMillis(200), Duration.ofSeconds(20), jitter);
        }
        return new RetrySettings(attempts, initial, max, jitter);
    }
}
