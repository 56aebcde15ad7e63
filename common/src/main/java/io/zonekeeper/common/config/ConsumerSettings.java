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

    public static ConsumerSettings read(EnvReader env, String defaultGroup, int defaultWorkers) {
        return new ConsumerSettings(
                env.optional("CONSUMER_GROUP", defaultGroup),
                env.integer("WORKERS", defaultWorkers, 1, 512),
                env.duration("SHUTDOWN_GRACE", Duration.ofSeconds(20)));
    }
}
