package io.zonekeeper.reaper;

import io.zonekeeper.schemas.ReapReason;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

/**
 * When to delete a hosted zone nobody uses, following how Route53 bills: a zone is charged when it is created and
 * again on the 1st of every month (UTC), never prorated, and a zone deleted within 12 hours of its creation is not
 * charged at all. So an unused zone younger than 12 hours goes now, for free; an older one is already paid for
 * this month and is kept, in case a cluster comes back, until a window before the next month starts, and goes
 * then. Pure: no clock, no I/O; every instant is UTC.
 *
 * @param freeWindow    how long after creation a deleted zone is free (Route53: 12 hours)
 * @param safetyMargin  taken off the free window, so a reap decided just inside it cannot be executed just outside
 * @param monthEndWindow how long before the next month the paid-for zones are reaped, long enough for the
 *                      provisioner to finish every due teardown under the Route53 rate limit
 */
public record ReapPolicy(Duration freeWindow, Duration safetyMargin, Duration monthEndWindow) {

    public static final Duration ROUTE53_FREE_WINDOW = Duration.ofHours(12);

    public ReapPolicy {
        if (freeWindow.isNegative() || safetyMargin.isNegative() || monthEndWindow.isNegative()
                || safetyMargin.compareTo(freeWindow) > 0) {
            throw new IllegalArgumentException("durations must be positive and the margin within the free window");
        }
        if (monthEndWindow.compareTo(Duration.ofDays(27)) > 0) {
            throw new IllegalArgumentException("the month-end window must fit in the shortest month");
        }
    }

    /** When a zone becomes due, and by which rule. */
    public record Decision(Instant dueAt, ReapReason reason) {
    }

    /**
     * Decides for a zone that became unused at {@code unusedAt}. A zone whose creation time is unknown is treated
     * as old: deleting it early would save nothing if it was not new, while keeping it to month end costs
     * nothing more if it was.
     */
    public Decision decide(Instant zoneCreatedAt, Instant unusedAt) {
        if (zoneCreatedAt != null && !unusedAt.isBefore(zoneCreatedAt)
                && unusedAt.isBefore(zoneCreatedAt.plus(freeWindow).minus(safetyMargin))) {
            return new Decision(unusedAt, ReapReason.FREE_WINDOW);
        }
        Instant monthEnd = nextMonthStart(unusedAt).minus(monthEndWindow);
        return new Decision(unusedAt.isAfter(monthEnd) ? unusedAt : monthEnd, ReapReason.MONTH_END);
    }

    /** The start of the month after the one {@code instant} falls in, UTC: the next charge. */
    public static Instant nextMonthStart(Instant instant) {
        return YearMonth.from(instant.atOffset(ZoneOffset.UTC)).plusMonths(1).atDay(1).atStartOfDay()
                .toInstant(ZoneOffset.UTC);
    }
}
