package io.zonekeeper.common.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads typed settings from environment variables, the one place configuration enters a service. It collects
 * every problem instead of stopping at the first, so {@link #validate()} reports them all in one clear message,
 * and remembers what it read so {@link #describe()} can log the effective configuration with secrets masked.
 * Its typed reads belong to this package: a variable is read through its {@link Setting} declaration, nowhere else.
 *
 * <p>Hand-written rather than a config library: services are configured only through a flat set of environment
 * variables, and the few dozen lines here give typed values, collected errors and masking without pulling a
 * framework into three small services.
 */
public final class EnvReader {

    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();
    private final Map<String, String> described = new TreeMap<>();
    /** Every name asked for, set or not, and every prefix: what the service reads, for deployment checks. */
    private final Set<String> asked = new TreeSet<>();
    private final Set<String> prefixesAsked = new TreeSet<>();

    public EnvReader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public static EnvReader fromSystem() {
        return new EnvReader(System.getenv());
    }

    String required(String name) {
        String value = raw(name);
        if (value == null) {
            problems.add(name + " is required");
            return "";
        }
        described.put(name, value);
        return value;
    }

    String optional(String name, String defaultValue) {
        String value = Optional.ofNullable(raw(name)).orElse(defaultValue);
        described.put(name, value);
        return value;
    }

    Optional<String> optional(String name) {
        Optional<String> value = Optional.ofNullable(raw(name));
        value.ifPresent(v -> described.put(name, v));
        return value;
    }

    Secret requiredSecret(String name) {
        String value = raw(name);
        if (value == null) {
            problems.add(name + " is required");
            return new Secret("missing");
        }
        described.put(name, Secret.MASK);
        return new Secret(value);
    }

    Optional<Secret> optionalSecret(String name) {
        String value = raw(name);
        if (value == null) {
            return Optional.empty();
        }
        described.put(name, Secret.MASK);
        return Optional.of(new Secret(value));
    }

    int integer(String name, int defaultValue, int min, int max) {
        int value = parsed(name, defaultValue, Integer::parseInt, "an integer");
        if (value < min || value > max) {
            problems.add(name + " must be between " + min + " and " + max + ", not " + value);
        }
        return value;
    }

    double decimal(String name, double defaultValue, double min, double max) {
        double value = parsed(name, defaultValue, Double::parseDouble, "a number");
        if (!(value >= min && value <= max)) {
            problems.add(name + " must be between " + min + " and " + max + ", not " + value);
        }
        return value;
    }

    boolean bool(String name, boolean defaultValue) {
        return parsed(name, defaultValue, v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(v);
        }, "true or false");
    }

    /** An ISO-8601 duration ({@code PT30S}) or a number with a unit: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 12h}, {@code 7d}. */
    Duration duration(String name, Duration defaultValue) {
        Duration value = parsed(name, defaultValue, EnvReader::parseDuration, "a duration such as 30s, 5m or PT1H");
        if (value.isNegative()) {
            problems.add(name + " must not be negative");
        }
        return value;
    }

    /** An ISO-8601 instant in UTC, such as {@code 2027-01-31T23:30:00Z}, if set. */
    Optional<Instant> optionalInstant(String name) {
        return Optional.ofNullable(parsed(name, null, Instant::parse, "an ISO-8601 instant such as 2027-01-31T23:30:00Z"));
    }

    URI requiredUri(String name) {
        String value = raw(name);
        if (value == null) {
            problems.add(name + " is required");
            return URI.create("http://missing");
        }
        return parsed(name, null, EnvReader::parseUri, "an absolute URI");
    }

    Optional<URI> optionalUri(String name) {
        return raw(name) == null ? Optional.empty() : Optional.of(parsed(name, null, EnvReader::parseUri, "an absolute URI"));
    }

    /**
     * Every variable starting with {@code prefix}, turned into a client property: {@code KAFKA_SASL_MECHANISM}
     * becomes {@code sasl.mechanism}. Values of properties that look secret are masked in {@link #describe()}.
     */
    Map<String, String> prefixed(String prefix) {
        prefixesAsked.add(prefix);
        Map<String, String> properties = new LinkedHashMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(prefix) && name.length() > prefix.length()) {
                String property = name.substring(prefix.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                properties.put(property, value);
                described.put(name, looksSecret(property) ? Secret.MASK : value);
            }
        });
        return properties;
    }

    /** Every variable asked for, set or not: the settings the code that used this reader reads. */
    public Set<String> asked() {
        return Set.copyOf(asked);
    }

    /** Every prefix asked for ({@code KAFKA_CLIENT_}): settings read as a family. */
    public Set<String> prefixesAsked() {
        return Set.copyOf(prefixesAsked);
    }

    /**
     * Variables in the environment this reader was given that nothing asked for: in a deployment's own
     * environment map (a compose file, a manifest), a misspelt or stale setting the service silently ignores.
     */
    public Set<String> unread() {
        Set<String> unread = new TreeSet<>(env.keySet());
        unread.removeAll(asked);
        unread.removeIf(name -> prefixesAsked.stream().anyMatch(name::startsWith));
        return unread;
    }

    /** Records a problem found while combining settings (for example two settings that contradict). */
    public void problem(String description) {
        problems.add(description);
    }

    /** Throws {@link ConfigException} listing every problem, if there is any. */
    public void validate() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /** The settings read, one {@code NAME=value} per line, sorted, with secrets masked. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        described.forEach((name, value) -> out.append(name).append('=').append(value).append('\n'));
        return out.toString();
    }

    private String raw(String name) {
        asked.add(name);
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    private <T> T parsed(String name, T defaultValue, Function<String, T> parser, String expected) {
        String value = raw(name);
        if (value == null) {
            if (defaultValue != null) {
                described.put(name, String.valueOf(defaultValue));
            }
            return defaultValue;
        }
        try {
            T parsedValue = parser.apply(value);
            described.put(name, value);
            return parsedValue;
        } catch (RuntimeException e) {
            problems.add(name + " must be " + expected + ", not '" + value + "'");
            return defaultValue;
        }
    }

    /** The one duration syntax: ISO-8601 ({@code PT30S}) or a number with a unit ({@code 250ms}, {@code 30s}, {@code 5m}, {@code 12h}, {@code 7d}). */
    public static Duration parseDuration(String value) {
        if (value.startsWith("P") || value.startsWith("p")) {
            try {
                return Duration.parse(value.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(value, e);
            }
        }
        var matcher = Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(value);
        if (!matcher.matches()) {
            throw new IllegalArgumentException(value);
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }

    private static URI parseUri(String value) {
        try {
            URI uri = new URI(value);
            if (!uri.isAbsolute()) {
                throw new IllegalArgumentException(value);
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(value, e);
        }
    }

    private static boolean looksSecret(String property) {
        return property.contains("password") || property.contains("secret") || property.contains("jaas")
                || property.contains("token") || property.endsWith(".key") || property.contains("credentials");
    }
}
