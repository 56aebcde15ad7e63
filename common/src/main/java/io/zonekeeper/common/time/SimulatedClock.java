package io.zonekeeper.common.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A UTC clock that reads {@code start} at the real instant {@code anchor} and runs {@code rate} times as fast as
 * the real clock from there, for rehearsals and local runs: a month end in minutes, on any date. Every process
 * given the same three values reads the same time, which is why the anchor is a real instant and not "when this
 * process started".
 */
public final class SimulatedClock extends Clock {

    private final Instant start;
    private final Instant anchor;
    private final double rate;
    private final Clock real;

    public SimulatedClock(Instant start, Instant anchor, double rate, Clock real) {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("a simulated clock's rate must be positive, not " + rate);
        }
        this.start = start;
        this.anchor = anchor;
        this.rate = rate;
        this.real = real;
    }

    public Instant start() {
        return start;
    }

    public Instant anchor() {
        return anchor;
    }

    public double rate() {
        return rate;
    }

    @Override
    public Instant instant() {
        Duration elapsed = Duration.between(anchor, real.instant());
        // In double nanoseconds: exact enough (well under a millisecond) for centuries of simulated time.
        return start.plusNanos(Math.round(elapsed.toNanos() * rate));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (zone.equals(ZoneOffset.UTC)) {
            return this;
        }
        throw new UnsupportedOperationException("Zonekeeper's clocks are UTC only");
    }

    @Override
    public String toString() {
        return "simulated, " + rate + "x from " + start + " at real " + anchor;
    }
}
