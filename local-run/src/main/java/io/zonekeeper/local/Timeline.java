package io.zonekeeper.local;

import io.zonekeeper.common.time.ServiceClock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The clock the local run puts every process on, and where its scenario sits on it. By default a simulated
 * clock: it starts {@link #LEAD} before the coming month boundary and runs {@link #DEFAULT_RATE} times real speed,
 * so within minutes, on any date, the scenario shows both reap rules, a zone kept across the boundary and a
 * certificate renewal. The services, the scenario driver and the live view are given the same start, rate and
 * anchor, so they read the same time. On the real clock the scenario's timeline is compressed instead.
 *
 * @param clock       what the driver and the live view read
 * @param env         what every service is given to read the same clock (empty for the system clock)
 * @param start       where the scenario's timeline begins
 * @param boundary    the first month boundary after its start
 * @param compression how many times faster than its timeline the scenario plays (1 on a simulated clock)
 */
record Timeline(ServiceClock clock, Map<String, String> env, Instant start, Instant boundary, double compression) {

    static final double DEFAULT_RATE = 600;
    /** Long enough before the boundary for a zone created at the start to be paid for when its org leaves. */
    static final Duration LEAD = Duration.ofHours(16);
    /**
     * The simulated clock reads {@code start} this long after the services are launched, so their start-up does
     * not eat the timeline (at 600x, 30 s of start-up would be five hours).
     */
    static final Duration STARTUP = Duration.ofSeconds(45);
    /** On the real clock: the timeline of a simulated run, played this many times faster. */
    static final double REAL_TIME_COMPRESSION = 600;

    /**
     * A simulated clock reading {@code start} (default: {@link #LEAD} before the boundary coming after {@code now})
     * at the real instant {@code anchor}.
     */
    static Timeline simulated(Instant startOrNull, double rate, Instant now, Instant anchor) {
        Instant start = startOrNull != null ? startOrNull : nextMonthStart(now).minus(LEAD);
        Map<String, String> env = new LinkedHashMap<>();
        env.put(ServiceClock.START.name(), start.toString());
        env.put(ServiceClock.RATE.name(), Double.toString(rate));
        env.put(ServiceClock.ANCHOR.name(), anchor.toString());
        return new Timeline(ServiceClock.simulated(start, rate, anchor), Map.copyOf(env), start, nextMonthStart(start), 1);
    }

    /** The system clock, as in production; the timeline compressed into minutes. */
    static Timeline realTime(Instant now) {
        return new Timeline(ServiceClock.system(), Map.of(), now, nextMonthStart(now), REAL_TIME_COMPRESSION);
    }

    /** The instant {@code offset} into the timeline, compressed on the real clock. */
    Instant at(Duration offset) {
        return start.plus(Duration.ofNanos(Math.round(offset.toNanos() / compression)));
    }

    /** The first instant of the month after the one {@code instant} falls in, UTC. */
    static Instant nextMonthStart(Instant instant) {
        return YearMonth.from(instant.atOffset(ZoneOffset.UTC)).plusMonths(1).atDay(1).atStartOfDay()
                .toInstant(ZoneOffset.UTC);
    }
}
