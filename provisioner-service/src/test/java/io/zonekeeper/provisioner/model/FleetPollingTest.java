package io.zonekeeper.provisioner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FleetPollingTest {

    private static final FleetPolling.Budget HALF_OF_TEN = new FleetPolling.Budget(10, 0.5);

    @Test
    void aSmallFleetPollsAtExternalDnsDefaultOfOneMinute() {
        assertThat(FleetPolling.sizedFor(1, 10, HALF_OF_TEN).interval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(FleetPolling.sizedFor(290, 10, HALF_OF_TEN).interval()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void aThousandClustersInAThousandZonesPollEveryFourMinutesWithinHalfTheBucket() {
        FleetPolling polling = FleetPolling.sizedFor(1000, 1000, HALF_OF_TEN);
        assertThat(polling.interval()).isEqualTo(Duration.ofMinutes(4));
        assertThat(1000 * FleetPolling.perInstance(polling.interval(), 1000)).isLessThanOrEqualTo(5.0)
                .isCloseTo(4.28, within(0.01));
        assertThat(polling.intervalFlag()).isEqualTo("--interval=240s");
    }

    @Test
    void everySizedFleetStaysWithinItsShareUntilTheLongestInterval() {
        for (int clusters = 1; clusters <= 20_000; clusters += 37) {
            for (int zones : List.of(1, 10, 200, 1000, 10_000)) {
                FleetPolling polling = FleetPolling.sizedFor(clusters, zones, HALF_OF_TEN);
                if (polling.interval().compareTo(FleetPolling.LONGEST) < 0) {
                    assertThat(clusters * FleetPolling.perInstance(polling.interval(), zones))
                            .as("%d clusters, %d zones", clusters, zones).isLessThanOrEqualTo(5.0);
                }
                if (polling.interval().compareTo(FleetPolling.SHORTEST) > 0) {
                    Duration shorter = polling.interval().dividedBy(2);
                    assertThat(clusters * FleetPolling.perInstance(shorter, zones))
                            .as("the next shorter interval would not fit").isGreaterThan(5.0);
                }
            }
        }
    }

    @Test
    void aFleetThatDoublesStepsUpOneIntervalAtMost() {
        for (int clusters = 1; clusters <= 10_000; clusters *= 2) {
            Duration now = FleetPolling.sizedFor(clusters, 200, HALF_OF_TEN).interval();
            Duration doubled = FleetPolling.sizedFor(2 * clusters, 200, HALF_OF_TEN).interval();
            assertThat(doubled).isLessThanOrEqualTo(now.multipliedBy(2));
        }
    }

    @Test
    void aFleetTooLargeForTheShareGetsTheLongestInterval() {
        assertThat(FleetPolling.sizedFor(1_000_000, 1000, HALF_OF_TEN).interval()).isEqualTo(FleetPolling.LONGEST);
    }

    @Test
    void aRestartListsEveryZoneAndTheRecordsOnce() {
        assertThat(FleetPolling.startRequests(10)).isEqualTo(2);
        assertThat(FleetPolling.startRequests(200)).isEqualTo(3);
        assertThat(FleetPolling.startRequests(1000)).isEqualTo(11);
    }

    @Test
    void theFleetCostsTheSumOfItsInstances() {
        double one = FleetPolling.perInstance(Duration.ofMinutes(1), 10);
        double four = FleetPolling.perInstance(Duration.ofMinutes(4), 10);
        assertThat(FleetPolling.fleet(List.of(Duration.ofMinutes(1), Duration.ofMinutes(4)), 10))
                .isCloseTo(one + four, within(1e-12));
        assertThat(one).isCloseTo(1.0 / 60 + 1.0 / 86_400, within(1e-12));
    }
}
