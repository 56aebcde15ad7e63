package io.zonekeeper.common.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.RetrySettings;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryTest {

    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final Retry retry = new Retry(new RetrySettings(4, Duration.ofMillis(1), Duration.ofMillis(5), 0.5), metrics);

    @Test
    void retriesTransientFailuresUntilTheOperationSucceeds() {
        AtomicInteger calls = new AtomicInteger();
        String result = retry.call("flaky", e -> e instanceof IOException, () -> {
            if (calls.incrementAndGet() < 3) {
                throw new IOException("connection reset");
            }
            return "done";
        });
        assertThat(result).isEqualTo("done");
        assertThat(calls).hasValue(3);
        assertThat(metrics.get("zonekeeper.retries").tag("operation", "flaky").counter().count()).isEqualTo(2);
    }

    @Test
    void rethrowsPermanentFailuresWithoutRetrying() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> retry.call("bad input", e -> e instanceof IOException, () -> {
            calls.incrementAndGet();
            throw new IllegalArgumentException("no such zone");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("no such zone");
        assertThat(calls).hasValue(1);
    }

    @Test
    void turnsExhaustedTransientFailuresIntoTransientFailureException() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> retry.run("always down", e -> e instanceof IOException, () -> {
            calls.incrementAndGet();
            throw new IOException("refused");
        })).isInstanceOfSatisfying(TransientFailureException.class, e -> {
            assertThat(e.operation()).isEqualTo("always down");
            assertThat(e.getCause()).isInstanceOf(IOException.class);
        });
        assertThat(calls).hasValue(4);
    }

    @Test
    void wrapsCheckedPermanentFailuresWithTheOperationName() {
        assertThatThrownBy(() -> retry.call("parse", e -> false, () -> {
            throw new java.text.ParseException("bad", 0);
        })).isInstanceOf(PermanentFailureException.class).hasMessageContaining("parse failed");
    }
}
