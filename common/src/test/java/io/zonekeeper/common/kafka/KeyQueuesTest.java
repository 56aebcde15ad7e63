package io.zonekeeper.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.common.config.RetrySettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class KeyQueuesTest {

    private static final RetrySettings PAUSE = new RetrySettings(8, Duration.ofMillis(200), Duration.ofSeconds(20), 0.5);

    @Test
    void aKeysPauseDoublesFromTheRetrySettingsInitialDelayUpToTheirMaximum() {
        assertThat(KeyQueues.pauseMillis(PAUSE, 1, 0)).isEqualTo(200);
        assertThat(KeyQueues.pauseMillis(PAUSE, 2, 0)).isEqualTo(400);
        assertThat(KeyQueues.pauseMillis(PAUSE, 7, 0)).isEqualTo(12_800);
        assertThat(KeyQueues.pauseMillis(PAUSE, 8, 0)).isEqualTo(20_000);
        // However long a dependency stays down: no overflow, and the attempts never run out.
        assertThat(KeyQueues.pauseMillis(PAUSE, 10_000, 0)).isEqualTo(20_000);
    }

    @Test
    void jitterShortensAPauseByAtMostItsFraction() {
        assertThat(KeyQueues.pauseMillis(PAUSE, 1, 1)).isEqualTo(100);
        assertThat(KeyQueues.pauseMillis(PAUSE, 8, 0.5)).isEqualTo(15_000);
        var noJitter = new RetrySettings(1, Duration.ofMillis(200), Duration.ofSeconds(20), 0);
        assertThat(KeyQueues.pauseMillis(noJitter, 3, 0.99)).isEqualTo(800);
    }
}
