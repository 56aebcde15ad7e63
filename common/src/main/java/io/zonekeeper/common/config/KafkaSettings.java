package io.zonekeeper.common.config;

import io.zonekeeper.common.serde.CompatibilityLevels;
import io.zonekeeper.common.serde.RegistryAccess;
import java.util.Map;

/**
 * Where the brokers and the schema registry are, any further client properties (security, timeouts) passed through
 * as {@code KAFKA_CLIENT_<PROPERTY>} variables, how to authenticate to the registry and what to trust there (see
 * {@link RegistryAccess}), and what the service may do about its subjects' compatibility levels
 * ({@code SCHEMA_COMPATIBILITY}: {@code set} or {@code check}; see {@link CompatibilityLevels}).
 */
public record KafkaSettings(String bootstrapServers, String schemaRegistryUrl, Map<String, String> clientProperties,
                            RegistryAccess registryAccess, CompatibilityLevels.Mode schemaCompatibility) {

    public KafkaSettings {
        clientProperties = Map.copyOf(clientProperties);
    }

    /** Settings for tools and tests: an open registry, and compatibility levels set as a service does by default. */
    public KafkaSettings(String bootstrapServers, String schemaRegistryUrl, Map<String, String> clientProperties) {
        this(bootstrapServers, schemaRegistryUrl, clientProperties, RegistryAccess.NONE, CompatibilityLevels.Mode.SET);
    }

    public static final Setting<String> BOOTSTRAP_SERVERS = Setting.required("KAFKA_BOOTSTRAP_SERVERS", "brokers");
    public static final Setting<String> SCHEMA_REGISTRY_URL = Setting.required("SCHEMA_REGISTRY_URL",
            "a Confluent-compatible registry");
    public static final Setting<String> SCHEMA_COMPATIBILITY = Setting.text("SCHEMA_COMPATIBILITY", "set",
            "set: raise a subject's compatibility level weaker than FULL_TRANSITIVE; check: only report it");
    public static final Setting<Map<String, String>> CLIENT_PROPERTIES = Setting.family("KAFKA_CLIENT_",
            "any Kafka client property");

    public static KafkaSettings read(EnvReader env) {
        String mode = SCHEMA_COMPATIBILITY.read(env);
        CompatibilityLevels.Mode parsed = CompatibilityLevels.Mode.SET;
        try {
            parsed = CompatibilityLevels.Mode.parse(mode);
        } catch (IllegalArgumentException e) {
            env.problem("SCHEMA_COMPATIBILITY must be 'set' or 'check', not '" + mode + "'");
        }
        return new KafkaSettings(
                BOOTSTRAP_SERVERS.read(env),
                SCHEMA_REGISTRY_URL.read(env),
                CLIENT_PROPERTIES.read(env),
                RegistryAccess.read(env),
                parsed);
    }
}
