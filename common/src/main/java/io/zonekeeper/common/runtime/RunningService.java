package io.zonekeeper.common.runtime;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** A service started on a {@link ServiceRuntime}: what {@code Main}, the tests and the local run see of it. */
public interface RunningService extends AutoCloseable {

    ServiceRuntime runtime();

    default PrometheusMeterRegistry metrics() {
        return runtime().metrics();
    }

    /** The operations port it serves {@code /health}, {@code /ready} and {@code /metrics} on. */
    default int opsPort() {
        return runtime().ops().port();
    }

    /** Stops its schedules, then its consumer or engine (in-flight work finishes within its grace), then the rest. */
    @Override
    default void close() {
        runtime().close();
    }
}
