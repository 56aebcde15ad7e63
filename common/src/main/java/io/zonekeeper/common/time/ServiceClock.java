package io.zonekeeper.common.time;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.Setting;
import io.zonekeeper.common.ops.HealthCheck;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The one clock a service makes its time decisions with: zone ages, reap schedules, certificate validity and
 * renewal, event and audit times. Time is a dependency like Kafka or AWS, so it is injected and chosen by
 * configuration: production runs on the system clock; a rehearsal or a local run may run on a
 * {@link SimulatedClock} ({@code CLOCK_START}, {@code CLOCK_RATE}, {@code CLOCK_ANCHOR}).
 *
 * <p>Only decisions read it. Retry backoff, Kafka's own timeouts and HTTP timeouts stay on real time; periodic
 * work that looks for due decisions (the reaper's punctuation, the renewal scan) runs on real time at
 * {@link #realTime(Duration)} of its configured period, so it keeps pace with a faster clock.
 *
 * @param clock       what every decision reads
 * @param simulated   whether it is anything but the system clock (said at start-up, on /health, in metrics and
 *                    in every audit event)
 * @param rate        how many clock seconds pass per real second
 * @param description {@code system}, or what the simulated clock is: marks audit events
 */
public record ServiceClock(Clock clock, boolean simulated, double rate, String description) {

    public static final String SYSTEM = "system";

    public ServiceClock {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("a clock's rate must be positive, not " + rate);
        }
    }

    public static ServiceClock system() {
        return new ServiceClock(Clock.systemUTC(), false, 1, SYSTEM);
    }

    /** A simulated clock reading {@code start} at the real instant {@code anchor}, {@code rate} times real speed. */
    public static ServiceClock simulated(Instant start, double rate, Instant anchor) {
        SimulatedClock clock = new SimulatedClock(start, anchor, rate, Clock.systemUTC());
        return new ServiceClock(clock, true, rate, "simulated " + formatRate(rate) + "x from " + start
                + " at real " + anchor);
    }

    /** Any other clock, for a test that moves time itself; it counts as simulated. */
    public static ServiceClock of(Clock clock, String description) {
        return new ServiceClock(clock, true, 1, description);
    }

    /**
     * The clock the environment asks for: the system clock unless {@code CLOCK_START} is set. {@code CLOCK_RATE}
     * (default 1) and {@code CLOCK_ANCHOR} (the real instant at which the clock reads {@code CLOCK_START}; default
     * now) go with it; give every service the same three values and they read the same time.
     */
    public static final Setting<Optional<Instant>> START = Setting.optionalInstant("CLOCK_START",
            "rehearsals and local runs only: run on a simulated clock that reads this instant at CLOCK_ANCHOR");
    public static final Setting<Double> RATE = Setting.decimal("CLOCK_RATE", 1, 0.001, 1_000_000,
            "with CLOCK_START: simulated seconds per real second");
    public static final Setting<Optional<Instant>> ANCHOR = Setting.optionalInstant("CLOCK_ANCHOR",
            "with CLOCK_START: the real instant at which the clock reads CLOCK_START (default: when it starts)");

    public static ServiceClock read(EnvReader env) {
        Optional<Instant> start = START.read(env);
        double rate = RATE.read(env);
        Optional<Instant> anchor = ANCHOR.read(env);
        if (start.isEmpty()) {
            if (rate != 1 || anchor.isPresent()) {
                env.problem("CLOCK_RATE and CLOCK_ANCHOR need CLOCK_START (without it the service runs on the"
                        + " system clock)");
            }
            return system();
        }
        return simulated(start.get(), rate > 0 ? rate : 1, anchor.orElseGet(Instant::now));
    }

    public Instant now() {
        return clock.instant();
    }

    public long millis() {
        return clock.millis();
    }

    /** How long {@code clockTime} on this clock lasts in real time (at least a millisecond). */
    public Duration realTime(Duration clockTime) {
        if (rate == 1) {
            return clockTime;
        }
        return Duration.ofNanos(Math.max(1_000_000, Math.round(clockTime.toNanos() / rate)));
    }

    /** On {@code /health}: always up, says which clock and what time it reads. */
    public HealthCheck health() {
        return new HealthCheck() {
            @Override
            public String name() {
                return "clock";
            }

            @Override
            public Result check() {
                return Result.up(simulated ? description + "; now " + now() : SYSTEM);
            }
        };
    }

    /**
     * Metrics for dashboards and alerts: {@code zonekeeper_clock_simulated} (1 or 0) — alert on it in production —,
     * {@code zonekeeper_clock_rate} and {@code zonekeeper_clock_offset_seconds} (this clock minus the real one).
     */
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("zonekeeper.clock.simulated", () -> simulated ? 1 : 0)
                .description("1 when the service runs on a simulated clock (rehearsals, local runs)").register(registry);
        Gauge.builder("zonekeeper.clock.rate", () -> rate)
                .description("clock seconds per real second").register(registry);
        Gauge.builder("zonekeeper.clock.offset", () -> (clock.millis() - System.currentTimeMillis()) / 1000.0)
                .baseUnit("seconds").description("the service's clock minus the real clock").register(registry);
    }

    private static String formatRate(double rate) {
        return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
    }
}
