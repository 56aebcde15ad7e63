package io.zonekeeper.common.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Client-side rate limiting for one API of one account: an account-wide token bucket every call draws from, and
 * optional tighter buckets per operation (Route53's CreateHostedZone, for example). A call takes its operation's
 * token first and the account's second, so a call waiting on a slow operation bucket does not sit on a token
 * other operations could use. Bucket4j provides the buckets: AWS's limits are token buckets (capacity and
 * refill), which Failsafe's and resilience4j's fixed-window limiters only approximate.
 */
public final class ApiRateLimiter {

    private final String api;
    private final Tags tags;
    private final TimeMeter time;
    private final Bucket account;
    private final Map<String, Bucket> perOperation = new ConcurrentHashMap<>();
    private final Map<String, BucketSpec> operationSpecs;
    private final MeterRegistry metrics;

    /** {@code tags}: what the wait metrics carry besides the API and operation (which account's bucket). */
    public ApiRateLimiter(String api, Tags tags, BucketSpec accountWide, Map<String, BucketSpec> operationSpecs,
                          MeterRegistry metrics) {
        this(api, tags, accountWide, operationSpecs, metrics, TimeMeter.SYSTEM_NANOTIME);
    }

    /** With a controllable time source, so tests can step time instead of sleeping. */
    ApiRateLimiter(String api, Tags tags, BucketSpec accountWide, Map<String, BucketSpec> operationSpecs,
                   MeterRegistry metrics, TimeMeter time) {
        this.api = api;
        this.tags = tags;
        this.time = time;
        this.account = bucket(accountWide);
        this.operationSpecs = Map.copyOf(operationSpecs);
        this.metrics = metrics;
    }

    /** What this bucket's metrics are tagged with besides the API and operation. */
    public Tags tags() {
        return tags;
    }

    /** Takes the tokens for one call if they are there now, without waiting; false leaves both buckets as they were. */
    public boolean tryAcquire(String operation) {
        BucketSpec spec = operationSpecs.get(operation);
        Bucket operationBucket = spec == null ? null : perOperation.computeIfAbsent(operation, op -> bucket(spec));
        if (operationBucket != null && !operationBucket.tryConsume(1)) {
            return false;
        }
        if (account.tryConsume(1)) {
            return true;
        }
        if (operationBucket != null) {
            operationBucket.addTokens(1);
        }
        return false;
    }

    /** Blocks until the call may be made. */
    public void acquire(String operation) {
        long started = System.nanoTime();
        try {
            BucketSpec spec = operationSpecs.get(operation);
            if (spec != null) {
                perOperation.computeIfAbsent(operation, op -> bucket(spec)).asBlocking().consume(1);
            }
            account.asBlocking().consume(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a " + api + " rate-limit token", e);
        } finally {
            Timer.builder("zonekeeper.ratelimit.wait")
                    .description("Time calls waited for a client-side rate-limit token")
                    .tag("api", api)
                    .tag("operation", operation)
                    .tags(tags)
                    .register(metrics)
                    .record(Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private Bucket bucket(BucketSpec spec) {
        // Refill one token at a time at the configured rate ("greedy"), so the bucket never admits more than
        // capacity + rate * t calls in any window of length t.
        Duration perToken = Duration.ofNanos(Math.round(1_000_000_000d / spec.refillPerSecond()));
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(spec.capacity()).refillGreedy(1, perToken)
                        .initialTokens(spec.capacity()).build())
                .withCustomTimePrecision(time)
                .build();
    }
}
