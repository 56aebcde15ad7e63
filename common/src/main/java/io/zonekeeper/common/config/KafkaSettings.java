package io.zonekeeper.common.config;

import java.util.Map;

/**
 * Where the brokers and the schema registry are, and any further client properties (security, timeouts)
 * passed through as {@code KAFKA_CLIENT_<PROPERTY>} variables.
 */
public record KafkaSettings(String bootstrapServers, String schemaRegistryUrl, Map<String, String> clientProperties) {

    public KafkaSettings {
        clientProperties = Map.copyOf(clientProperties);
    }

    public static KafkaSettings read(EnvReader env) {
        return new KafkaSettings(
                env.required("KAFKA_BOOTSTRAP_SERVERS"),
                env.required("SCHEMA_REGISTRY_URL"),
                env.prefixed("KAFKA_CLIENT_"));
    }
}
