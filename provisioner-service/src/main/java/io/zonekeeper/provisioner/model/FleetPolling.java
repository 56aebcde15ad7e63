package io.zonekeeper.provisioner.model;

import java.time.Duration;
import java.util.Collection;

/**
 * How often the ExternalDNS instances of the whole fleet poll Route53, and what that costs. Route53 limits an
 * account to one token bucket (10 requests/s), shared by Zonekeeper and every ExternalDNS using the account, so the
 * fleet is given a share of it and every instance's {@code --interval} is sized from the number of instances.
 *
 * <p>The cost model is ExternalDNS's (0.15.1 and 0.21.0 alike), measured with the real binary (BENCHMARKS.md): a
 * sync lists the zone's records (one request per 300 records; Zonekeeper assumes one page), and refreshing the zones
 * cache lists every zone of the account once (one request per 100 zones), whatever {@code --zone-id-filter} says;
 * without a cache every sync lists them twice. A pod's first sync fills the cache, so it does both.
 *
 * <p>Intervals are powers of two minutes: a step doubles the interval and halves the fleet's polling, so the fleet
 * can double before the next step, and the number of re-rolls grows with the logarithm of the fleet's size.
 * Intervals never step down by themselves: a step down would restart every pod (each restart lists all zones)
 * to buy faster drift repair that {@code --events} already gives for changes made in the cluster.
 */
public record FleetPolling(Duration interval) {

    /** ExternalDNS's own default, and the shortest interval Zonekeeper gives. */
    public static final Duration SHORTEST = Duration.ofMinutes(1);
    /** Beyond this the account has to be split: polling this rarely leaves drift unrepaired for an hour. */
    public static final Duration LONGEST = Duration.ofMinutes(64);
    /**
     * The zones cache: each instance needs one zone, whose id is in its args, so a long cache holds nothing stale
     * (a re-created zone changes the args, and the new pod starts with an empty cache).
     */
    public static final Duration ZONES_CACHE = Duration.ofHours(24);
    /** The interval of instances deployed before the interval was recorded (the constant those versions set). */
    public static final Duration LEGACY = Duration.ofMinutes(5);

    static final int RECORD_PAGES_PER_SYNC = 1;
    static final int ZONE_LISTINGS_PER_REFRESH = 1;
    static final int ZONES_PER_PAGE = 100;

    /** The fleet's part of the account's Route53 bucket, in requests per second. */
    public record Budget(double accountRatePerSecond, double share) {

        public double perSecond() {
            return accountRatePerSecond * share;
        }
    }

    /**
     * The shortest interval at which {@code clusters} instances, in an account of {@code zones} hosted zones, poll
     * within {@code budget}; {@link #LONGEST} when none does.
     */
    public static FleetPolling sizedFor(int clusters, int zones, Budget budget) {
        Duration interval = SHORTEST;
        while (clusters * perInstance(interval, zones) > budget.perSecond() && interval.compareTo(LONGEST) < 0) {
            interval = interval.multipliedBy(2);
        }
        return new FleetPolling(interval);
    }

    /** Steady-state requests per second of one instance polling every {@code interval}. */
    public static double perInstance(Duration interval, int zones) {
        return (double) RECORD_PAGES_PER_SYNC / interval.toSeconds()
                + (double) zoneListingRequests(zones) / ZONES_CACHE.toSeconds();
    }

    /** Steady-state requests per second of instances polling at the given intervals. */
    public static double fleet(Collection<Duration> intervals, int zones) {
        return intervals.stream().mapToDouble(interval -> perInstance(interval, zones)).sum();
    }

    /** Requests a pod's first sync makes: what a restart (a re-roll) costs on top of polling. */
    public static int startRequests(int zones) {
        return zoneListingRequests(zones) + RECORD_PAGES_PER_SYNC;
    }

    private static int zoneListingRequests(int zones) {
        return ZONE_LISTINGS_PER_REFRESH * Math.max(1, (zones + ZONES_PER_PAGE - 1) / ZONES_PER_PAGE);
    }

    /** The interval in ExternalDNS's flag syntax. */
    public String intervalFlag() {
        return "--interval=" + interval.toSeconds() + "s";
    }

    public int intervalSeconds() {
        return Math.toIntExact(interval.toSeconds());
    }
}
