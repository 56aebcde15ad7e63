package io.zonekeeper.reaper;

import io.zonekeeper.common.aws.TeardownCost;
import io.zonekeeper.schemas.ReapReason;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

/**
 * When to delete a hosted zone nobody uses, following how Route53 bills: a zone is charged when it is created and
 * again on the 1st of every month (UTC), never prorated, and a zone deleted within 12 hours of its creation is not
 * charged at all. So an unused zone younger than 12 hours goes now, for free; an older one is already paid for
 * this month and is kept, in case a cluster comes back, until just before the next month starts ({@link MonthEnd}),
 * and goes then. Pure: no clock, no I/O; every instant is UTC.
 *
 * @param freeWindow   how long after creation a deleted zone is free (Route53: 12 hours)
 * @param safetyMargin taken off the free window, so a reap decided just inside it cannot be executed just outside
 * @param monthEnd     how the paid-for zones' reaps are spread before the next month
 */
public record ReapPolicy(Duration freeWindow, Duration safetyMargin, MonthEnd monthEnd) {

    public static final Duration ROUTE53_FREE_WINDOW = Duration.ofHours(12);

    /**
     * The month end, just in time: every paid-for zone due at a month start is commanded so that the provisioner,
     * tearing down one per {@code spacing} for each of the tasks that share its rate, is done {@code margin} before
     * the 1st. The zones unused longest go first and the most recently unused last, so an organization that comes
     * back late in the month keeps its zone if its turn has not come; a handful of zones go in the last minutes,
     * ten thousand start hours before. A spacing of zero is a fixed window of {@code margin}.
     *
     * @param margin  how long before the 1st the last reap is commanded: covers the command's way to the
     *                provisioner, the last teardown, and teardowns slower than planned
     * @param spacing the time between two reaps of one task: a zone's teardown at the provisioner's rate times the
     *                number of tasks (lifecycle partitions) commanding at once, so all of them together stay
     *                within the provisioner's rate
     */
    public record MonthEnd(Duration margin, Duration spacing) {

        public MonthEnd {
            if (margin.isNegative() || spacing.isNegative()) {
                throw new IllegalArgumentException("the month end's margin and spacing must not be negative");
            }
            if (margin.compareTo(Duration.ofDays(27)) > 0) {
                throw new IllegalArgumentException("the month-end margin must fit in the shortest month");
            }
        }

        /** Every paid-for zone reaped {@code window} before the 1st, however many there are. */
        public static MonthEnd fixedWindow(Duration window) {
            return new MonthEnd(window, Duration.ZERO);
        }

        /**
         * Just in time, for a provisioner with these rates (calls per second of its own share of each bucket) and
         * {@code tasks} tasks commanding reaps at once.
         */
        public static MonthEnd justInTime(Duration margin, double route53Rate, double iamRate, int tasks) {
            return new MonthEnd(margin, TeardownCost.atRates(route53Rate, iamRate).multipliedBy(tasks));
        }

        /**
         * When the {@code k}-th (from 0) of a task's {@code n} reaps due at {@code monthStart} is commanded: the last
         * at the margin before the 1st (its due time), each earlier one a spacing before the next.
         */
        public Instant slot(Instant monthStart, int k, int n) {
            return monthStart.minus(margin).minus(spacing.multipliedBy(n - 1L - k));
        }

        /** How long before the 1st a task with {@code n} reaps starts commanding them. */
        public Duration lead(int n) {
            return margin.plus(spacing.multipliedBy(Math.max(0, n - 1L)));
        }
    }

    public ReapPolicy {
        if (freeWindow.isNegative() || safetyMargin.isNegative() || safetyMargin.compareTo(freeWindow) > 0) {
            throw new IllegalArgumentException("durations must be positive and the margin within the free window");
        }
    }

    /** When a zone becomes due at the latest, and by which rule. */
    public record Decision(Instant dueAt, ReapReason reason) {
    }

    /**
     * Decides for a zone that became unused at {@code unusedAt}. A zone whose creation time is unknown is treated
     * as old: deleting it early would save nothing if it was not new, while keeping it to month end costs
     * nothing more if it was. A month-end reap's due time is its latest; {@link MonthEnd#slot} may bring it earlier
     * when many are due.
     */
    public Decision decide(Instant zoneCreatedAt, Instant unusedAt) {
        // A zone made after its organization's clusters were gone (the provisioner catching up on a backlog: the
        // clusters stopped before their zone was ready) has been unused since it was made, and its 12 hours are its
        // own: it used to wait for the month end, a month paid for nothing.
        Instant since = zoneCreatedAt != null && unusedAt.isBefore(zoneCreatedAt) ? zoneCreatedAt : unusedAt;
        if (zoneCreatedAt != null && since.isBefore(zoneCreatedAt.plus(freeWindow).minus(safetyMargin))) {
            return new Decision(since, ReapReason.FREE_WINDOW);
        }
        Instant latest = nextMonthStart(since).minus(monthEnd.margin());
        return new Decision(since.isAfter(latest) ? since : latest, ReapReason.MONTH_END);
    }

    /** The start of the month after the one {@code instant} falls in, UTC: the next charge. */
    public static Instant nextMonthStart(Instant instant) {
        return YearMonth.from(instant.atOffset(ZoneOffset.UTC)).plusMonths(1).atDay(1).atStartOfDay()
                .toInstant(ZoneOffset.UTC);
    }
}
