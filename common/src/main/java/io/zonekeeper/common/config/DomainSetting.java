package io.zonekeeper.common.config;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A DNS domain read from the environment ({@code BASE_DOMAIN}): validated, and written as Route53 stores and DNS
 * compares names — lower case, without the trailing dot. Names are compared exactly everywhere after this, so an
 * upper-case or dotted setting would otherwise make a second zone for every organization on every full check.
 */
public final class DomainSetting {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private DomainSetting() {
    }

    /** A required domain setting, read with {@link #required}. */
    public static Setting<String> of(String name, String description) {
        return Setting.of(name, "required", description, env -> required(env, name));
    }

    public static String required(EnvReader env, String name) {
        String raw = env.required(name);
        if (raw.isEmpty()) {
            return raw;
        }
        String domain = raw.toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        String[] labels = domain.split("\\.", -1);
        boolean valid = labels.length >= 2 && domain.length() <= 120;
        for (String label : labels) {
            valid &= LABEL.matcher(label).matches();
        }
        if (!valid) {
            env.problem(name + " must be a DNS domain of at least two labels (letters, digits and hyphens, at most"
                    + " 120 characters, leaving room for organization and cluster labels), such as example.com, not '" + raw + "'");
        }
        return domain;
    }
}
