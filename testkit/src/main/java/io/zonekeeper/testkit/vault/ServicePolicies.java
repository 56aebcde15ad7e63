package io.zonekeeper.testkit.vault;

import io.zonekeeper.testkit.ProjectDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The services' Vault policies as the checkout ships them ({@code vault/policies/zonekeeper-<service>.hcl}),
 * rendered as envsubst would: every {@code ${NAME}} replaced by its value, a missing value an error rather than
 * an empty string (which would widen {@code mount/data/${PREFIX}/*} to the whole mount).
 */
public final class ServicePolicies {

    public static final String PROVISIONER = "provisioner";
    public static final String CERT_SERVICE = "cert-service";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_]+)}");

    private ServicePolicies() {
    }

    public static Path file(String service) {
        return ProjectDirectories.root().resolve("vault").resolve("policies").resolve("zonekeeper-" + service + ".hcl");
    }

    public static String render(String service, Map<String, String> values) {
        String template;
        try {
            template = Files.readString(file(service));
        } catch (IOException e) {
            throw new UncheckedIOException("no Vault policy for " + service, e);
        }
        Matcher matcher = PLACEHOLDER.matcher(template);
        StringBuilder rendered = new StringBuilder();
        while (matcher.find()) {
            String value = values.get(matcher.group(1));
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("the " + service + " policy needs a value for " + matcher.group(1));
            }
            matcher.appendReplacement(rendered, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(rendered);
        return rendered.toString();
    }
}
