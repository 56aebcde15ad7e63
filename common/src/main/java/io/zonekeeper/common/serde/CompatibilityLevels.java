package io.zonekeeper.common.serde;

import io.zonekeeper.common.ops.HealthCheck;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compatibility level of every subject a service writes or reads, set or checked at start-up. Each subject has
 * readers that are not its writers: the upstream writes lifecycle events and cert requests for Zonekeeper's
 * releases to read, Zonekeeper writes states, commands and audit events for dashboards and its other services.
 * Readers of any older version must read what a newer writer writes (forward), and a reader replaying a topic reads
 * every older version (backward), so the level is {@value #REQUIRED} for every subject: the same both-ways rule
 * {@code SchemaCompatibilityTest} holds Zonekeeper's own schemas to against their released copies. A registry's
 * default (Confluent's BACKWARD) protects the wrong side for the upstream's subjects: it accepted a version without a
 * required field every service then dead-lettered.
 *
 * <p>With {@code SCHEMA_COMPATIBILITY=set} (the default) a weaker level is raised; with {@code check}, or when the
 * registry refuses (its credentials may not allow configuration), it is reported. Either way the service starts:
 * what was found is logged and shown on {@code /health}, which stays up.
 */
public final class CompatibilityLevels implements HealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(CompatibilityLevels.class);
    public static final String REQUIRED = "FULL_TRANSITIVE";

    /** What a service may do about a weaker level. */
    public enum Mode {
        SET, CHECK;

        public static Mode parse(String raw) {
            return Mode.valueOf(raw.trim().toUpperCase(Locale.ROOT));
        }
    }

    private final Map<String, String> found = new LinkedHashMap<>();

    private CompatibilityLevels() {
    }

    /** Sets or checks the level of each of {@code topics}' value subjects ({@code <topic>-value}). */
    public static CompatibilityLevels ensure(SchemaRegistryClient registry, Mode mode, List<String> topics) {
        CompatibilityLevels levels = new CompatibilityLevels();
        for (String topic : topics) {
            String subject = topic + "-value";
            levels.found.put(subject, levels.ensure(registry, mode, subject));
        }
        List<String> weaker = new ArrayList<>();
        levels.found.forEach((subject, outcome) -> {
            if (!outcome.startsWith(REQUIRED)) {
                weaker.add(subject + ": " + outcome);
            }
        });
        if (weaker.isEmpty()) {
            LOG.info("schema compatibility: {}", levels.found);
        } else {
            LOG.warn("schema compatibility weaker than {} (set it in the registry, or give the service SCHEMA_COMPATIBILITY"
                    + "=set and the right to): {}", REQUIRED, weaker);
        }
        return levels;
    }

    private String ensure(SchemaRegistryClient registry, Mode mode, String subject) {
        String level;
        try {
            level = registry.compatibility(subject);
        } catch (RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
        if (level.equals(REQUIRED)) {
            return level;
        }
        if (mode == Mode.CHECK) {
            return level + " (SCHEMA_COMPATIBILITY=check: left as it is)";
        }
        try {
            registry.setCompatibility(subject, REQUIRED);
            return REQUIRED + " (set; was " + level + ")";
        } catch (RuntimeException e) {
            // Instances of several services start together and set the same subjects: one may have set it just
            // now (Apicurio then answers 409 "rule already exists").
            try {
                if (registry.compatibility(subject).equals(REQUIRED)) {
                    return REQUIRED + " (set by another instance; was " + level + ")";
                }
            } catch (RuntimeException ignored) {
                // reported below as it was
            }
            return level + " (could not set " + REQUIRED + ": " + e.getMessage() + ")";
        }
    }

    /** Each subject and what was found or done. */
    public Map<String, String> found() {
        return Map.copyOf(found);
    }

    @Override
    public String name() {
        return "schema-compatibility";
    }

    @Override
    public Result check() {
        return Result.up(found.toString());
    }
}
