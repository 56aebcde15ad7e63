package io.zonekeeper.common.ratelimit;

/**
 * A token bucket: holds at most {@code capacity} tokens and gains {@code refillPerSecond} of them each second.
 * AWS documents its API limits in exactly these terms, so the client-side buckets mirror them one to one.
 */
public record BucketSpec(long capacity, double refillPerSecond) {

    public BucketSpec {
        if (capacity < 1 || !(refillPerSecond > 0)) {
            throw new IllegalArgumentException("a bucket needs capacity >= 1 and a positive refill rate");
        }
    }

    public static BucketSpec of(double refillPerSecond, long burst) {
        return new BucketSpec(burst, refillPerSecond);
    }

    @Override
    public String toString() {
        return refillPerSecond + "/s burst " + capacity;
    }
}
