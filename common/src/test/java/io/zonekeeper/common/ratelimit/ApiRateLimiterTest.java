package io.zonekeeper.common.ratelimit;

import io.github.bucket4j.TimeMeter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/** Steps a manual clock instead of sleeping: token-bucket arithmetic, no wall-clock assertions. */
class ApiRateLimiterTest {

    private static final class ManualTime implements TimeMeter {
        long nanos;

        void advance(Duration duration) {
            nanos += duration.toNanos();
        }

        @Override
        public long currentTimeNanos() {
            return nanos;
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    }

    private final ManualTime time = new ManualTime();
    private final ApiRateLimiter limiter = new ApiRateLimiter("route53", Tags.empty(), BucketSpec.of(10, 50),
            Map.of("CreateHostedZone", BucketSpec.of(2, 2)), new SimpleMeterRegistry(), time);

    @Test
    void admitsABurstOfCapacityThenTheRefillRate() {
        assertThat(admitted("ListHostedZones", 60)).isEqualTo(50);
        time.advance(Duration.ofSeconds(1));
        assertThat(admitted("ListHostedZones", 60)).isEqualTo(10);
        time.advance(Duration.ofMillis(100));
        assertThat(admitted("ListHostedZones", 60)).isEqualTo(1);
    }

    @Test
    void operationBucketsAreTighterThanTheAccount() {
        assertThat(admitted("CreateHostedZone", 10)).isEqualTo(2);
        time.advance(Duration.ofMillis(500));
        assertThat(admitted("CreateHostedZone", 10)).isEqualTo(1);
        // The account bucket refilled to its capacity of 50 during the half second, less the one create since.
        assertThat(admitted("GetChange", 100)).as("account tokens left for other operations").isEqualTo(49);
    }

    @Test
    void aRefusedCallDoesNotSpendTheOperationToken() {
        assertThat(admitted("GetChange", 50)).isEqualTo(50);
        assertThat(limiter.tryAcquire("CreateHostedZone")).isFalse();
        time.advance(Duration.ofMillis(100));
        assertThat(limiter.tryAcquire("CreateHostedZone")).as("operation token was given back").isTrue();
    }

    private int admitted(String operation, int attempts) {
        int admitted = 0;
        for (int i = 0; i < attempts; i++) {
            if (limiter.tryAcquire(operation)) {
                admitted++;
            }
        }
        return admitted;
    }
}
