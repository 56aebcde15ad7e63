package io.zonekeeper.common.config;

import java.time.Duration;

/**
 * How a handler service consumes its topics.
 *
 * @param group         its consumer group ({@code CONSUMER_GROUP})
 * @param workers       records processed at once, each of a different organization ({@code WORKERS})
 * @param shutdownGrace how long in-flight records may finish when partitions are revoked or the service stops
 *                      ({@code SHUTDOWN_GRACE})
 */
public record ConsumerSettings(String group, int workers, Duration shutdownGrace) {

    public static final Setting<Duration> SHUTDOWN_GRACE = Setting.duration("SHUTDOWN_GRACE", "20s",
            "how long shutdown and rebalances wait for work in progress");

    /** @param group and {@code workers}: the service's own declarations, whose defaults differ by service */
    public static ConsumerSettings read(EnvReader env, Setting<String> group, Setting<Integer> workers) {
        return new ConsumerSettings(group.read(env), workers.read(env), SHUTDOWN_GRACE.read(env));
    }
}
