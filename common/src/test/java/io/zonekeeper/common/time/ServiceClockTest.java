package io.zonekeeper.common.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.ConfigException;
import io.zonekeeper.common.config.EnvReader;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceClockTest {

    private static final Instant START = Instant.parse("2027-01-31T23:30:00Z");
    private static final Instant ANCHOR = Instant.parse("2026-12-02T05:00:00Z");

    @Test
    void aSimulatedClockReadsItsStartAtTheAnchorAndRunsAtItsRate() {
        MovableRealClock real = new MovableRealClock(ANCHOR);
        SimulatedClock clock = new SimulatedClock(START, ANCHOR, 60, real);
        assertThat(clock.instant()).isEqualTo(START);
        real.now = ANCHOR.plusSeconds(31);
        assertThat(clock.instant()).isEqualTo(Instant.parse("2027-02-01T00:01:00Z"));
        real.now = ANCHOR.minusSeconds(1);
        assertThat(clock.instant()).as("before the anchor it reads before the start").isEqualTo(START.minusSeconds(60));
    }

    @Test
    void twoProcessesGivenTheSameSettingsReadTheSameTime() {
        MovableRealClock real = new MovableRealClock(ANCHOR.plusSeconds(100));
        // One started long before the other: the anchor, not the start of each process, fixes the reading.
        SimulatedClock first = new SimulatedClock(START, ANCHOR, 120, real);
        SimulatedClock second = new SimulatedClock(START, ANCHOR, 120, real);
        assertThat(first.instant()).isEqualTo(second.instant()).isEqualTo(START.plus(Duration.ofSeconds(12_000)));
    }

    @Test
    void withoutClockStartTheServiceRunsOnTheSystemClock() {
        ServiceClock clock = ServiceClock.read(new EnvReader(Map.of()));
        assertThat(clock.simulated()).isFalse();
        assertThat(clock.description()).isEqualTo("system");
        assertThat(clock.realTime(Duration.ofMinutes(1))).isEqualTo(Duration.ofMinutes(1));
        assertThat(Duration.between(clock.now(), Instant.now()).abs()).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void clockStartRateAndAnchorMakeASimulatedClock() {
        EnvReader env = new EnvReader(Map.of("CLOCK_START", START.toString(), "CLOCK_RATE", "60",
                "CLOCK_ANCHOR", Instant.now().toString()));
        ServiceClock clock = ServiceClock.read(env);
        env.validate();
        assertThat(clock.simulated()).isTrue();
        assertThat(clock.rate()).isEqualTo(60);
        assertThat(clock.description()).isEqualTo("simulated 60x from 2027-01-31T23:30:00Z at real "
                + env.describe().lines().filter(l -> l.startsWith("CLOCK_ANCHOR=")).findFirst().orElseThrow()
                .substring("CLOCK_ANCHOR=".length()));
        assertThat(Duration.between(START, clock.now())).isBetween(Duration.ZERO, Duration.ofMinutes(5));
        assertThat(clock.realTime(Duration.ofMinutes(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(clock.realTime(Duration.ofNanos(10))).as("never a zero period").isEqualTo(Duration.ofMillis(1));
    }

    @Test
    void badClockSettingsAreReportedWithTheRest() {
        EnvReader env = new EnvReader(Map.of("CLOCK_START", "tomorrow", "CLOCK_RATE", "0"));
        ServiceClock.read(env);
        assertThatThrownBy(env::validate).isInstanceOf(ConfigException.class)
                .hasMessageContaining("CLOCK_START must be an ISO-8601 instant")
                .hasMessageContaining("CLOCK_RATE must be between");

        EnvReader rateAlone = new EnvReader(Map.of("CLOCK_RATE", "60"));
        assertThat(ServiceClock.read(rateAlone).simulated()).isFalse();
        assertThatThrownBy(rateAlone::validate).hasMessageContaining("CLOCK_RATE and CLOCK_ANCHOR need CLOCK_START");
    }

    @Test
    void healthAndMetricsSayWhichClock() {
        ServiceClock simulated = ServiceClock.simulated(START, 60, Instant.now());
        assertThat(simulated.health().check().healthy()).isTrue();
        assertThat(simulated.health().check().detail()).startsWith("simulated 60x from 2027-01-31T23:30:00Z")
                .contains("; now 2027-01-31T23:");
        assertThat(ServiceClock.system().health().check().detail()).isEqualTo("system");

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        simulated.bindTo(registry);
        assertThat(registry.get("zonekeeper.clock.simulated").gauge().value()).isEqualTo(1);
        assertThat(registry.get("zonekeeper.clock.rate").gauge().value()).isEqualTo(60);
        assertThat(registry.get("zonekeeper.clock.offset").gauge().value())
                .isCloseTo(Duration.between(Instant.now(), START).toSeconds(), org.assertj.core.data.Offset.offset(600.0));

        SimpleMeterRegistry production = new SimpleMeterRegistry();
        ServiceClock.system().bindTo(production);
        assertThat(production.get("zonekeeper.clock.simulated").gauge().value()).isZero();
    }

    /** The real clock under a simulated one, moved by the test. */
    private static final class MovableRealClock extends Clock {
        Instant now;

        MovableRealClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
