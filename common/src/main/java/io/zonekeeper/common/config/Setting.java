package io.zonekeeper.common.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One environment variable a service, {@code zk} or the local run reads: its name, its default, the type and bounds
 * it is read with, and what it means, declared once as a constant beside the settings record that reads it (the
 * way Strimzi's {@code ConfigParameter} and Debezium's {@code Field} do). Read through an {@link EnvReader}, which
 * collects every problem; its typed reads are this package's, so a setting is read through its declaration or
 * not at all. The README's tables are checked against what each service reads and the defaults it uses
 * ({@code ConfigurationTablesTest}).
 */
public final class Setting<T> {

    private final String name;
    private final String defaultText;
    private final String description;
    private final Function<EnvReader, T> reader;

    private Setting(String name, String defaultText, String description, Function<EnvReader, T> reader) {
        this.name = name;
        this.defaultText = defaultText;
        this.description = description;
        this.reader = reader;
    }

    /**
     * A setting read by {@code reader}, for the kinds this package validates further (a DNS domain, a KV folder): the
     * reader calls the {@link EnvReader} itself.
     */
    static <T> Setting<T> of(String name, String defaultText, String description, Function<EnvReader, T> reader) {
        return new Setting<>(name, defaultText, description, reader);
    }

    /** Text that must be set. */
    public static Setting<String> required(String name, String description) {
        return new Setting<>(name, "required", description, env -> env.required(name));
    }

    /** Text, or empty when unset. */
    public static Setting<Optional<String>> optional(String name, String description) {
        return new Setting<>(name, "—", description, env -> env.optional(name));
    }

    /** A secret that must be set: masked wherever settings are shown. */
    public static Setting<Secret> secret(String name, String description) {
        return new Setting<>(name, "required", description, env -> env.requiredSecret(name));
    }

    /** A secret, or empty when unset: masked wherever settings are shown. */
    public static Setting<Optional<Secret>> optionalSecret(String name, String description) {
        return new Setting<>(name, "—", description, env -> env.optionalSecret(name));
    }

    /** A readable file, or empty when unset; a file that cannot be read is a problem reported with the others. */
    public static Setting<Optional<Path>> optionalFile(String name, String description) {
        return new Setting<>(name, "—", description, env -> {
            Optional<Path> path = env.optional(name).filter(value -> !value.isBlank()).map(Path::of);
            path.filter(p -> !Files.isReadable(p))
                    .ifPresent(p -> env.problem(name + " names " + p + ", which is not a readable file"));
            return path;
        });
    }

    /** An absolute URI that must be set. */
    public static Setting<URI> uri(String name, String description) {
        return new Setting<>(name, "required", description, env -> env.requiredUri(name));
    }

    /** An absolute URI, or empty when unset. */
    public static Setting<Optional<URI>> optionalUri(String name, String description) {
        return new Setting<>(name, "—", description, env -> env.optionalUri(name));
    }

    /** An ISO-8601 instant in UTC, or empty when unset. */
    public static Setting<Optional<Instant>> optionalInstant(String name, String description) {
        return new Setting<>(name, "—", description, env -> env.optionalInstant(name));
    }

    /**
     * A family of variables sharing a prefix, each one a client property: {@code KAFKA_CLIENT_SASL_MECHANISM} is
     * {@code sasl.mechanism}.
     */
    public static Setting<Map<String, String>> family(String prefix, String description) {
        return new Setting<>(prefix + "<PROPERTY>", "—", description, env -> env.prefixed(prefix));
    }

    /** Text, {@code defaultValue} when unset. */
    public static Setting<String> text(String name, String defaultValue, String description) {
        return new Setting<>(name, defaultValue, description, env -> env.optional(name, defaultValue));
    }

    /** A whole number from {@code min} to {@code max}. */
    public static Setting<Integer> integer(String name, int defaultValue, int min, int max, String description) {
        return new Setting<>(name, Integer.toString(defaultValue), description,
                env -> env.integer(name, defaultValue, min, max));
    }

    /** A number from {@code min} to {@code max}. */
    public static Setting<Double> decimal(String name, double defaultValue, double min, double max,
                                          String description) {
        return new Setting<>(name, trim(defaultValue), description, env -> env.decimal(name, defaultValue, min, max));
    }

    /** A duration, {@code defaultValue} as written ({@code 20s}, {@code 5m}, {@code PT1H}) when unset. */
    public static Setting<Duration> duration(String name, String defaultValue, String description) {
        Duration parsed = EnvReader.parseDuration(defaultValue);
        return new Setting<>(name, defaultValue, description, env -> env.duration(name, parsed));
    }

    /** {@code true} or {@code false}. */
    public static Setting<Boolean> flag(String name, boolean defaultValue, String description) {
        return new Setting<>(name, Boolean.toString(defaultValue), description, env -> env.bool(name, defaultValue));
    }

    public T read(EnvReader env) {
        return reader.apply(env);
    }

    public String name() {
        return name;
    }

    /** The default as the README writes it. */
    public String defaultText() {
        return defaultText;
    }

    public String description() {
        return description;
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    @Override
    public String toString() {
        return name;
    }
}
