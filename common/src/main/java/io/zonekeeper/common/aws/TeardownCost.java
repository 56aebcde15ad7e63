package io.zonekeeper.common.aws;

import java.time.Duration;

/**
 * What the provisioner's teardown of one organization costs of the cloud API budget, as the reaper plans month
 * ends and {@code zk reaps} shows them. Planned high: Route53 the parent's NS record read and deleted, the zone's
 * records listed and deleted, the zone deleted (measured 3.29 calls a reap with coalesced delegation removals and
 * empty zones, BENCHMARKS.md); IAM the user's inline policy, its key, the user.
 */
public final class TeardownCost {

    public static final int ROUTE53_CALLS = 5;
    public static final int IAM_CALLS = 3;

    private TeardownCost() {
    }

    /** How long one teardown takes at these rates (calls per second), whichever bucket is slower. */
    public static Duration atRates(double route53Rate, double iamRate) {
        double seconds = Math.max(ROUTE53_CALLS / route53Rate, IAM_CALLS / iamRate);
        return Duration.ofNanos(Math.round(seconds * 1e9));
    }
}
