package io.zonekeeper.testkit.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * IAM's evaluation of identity-based policies for one request, as AWS documents it: an explicit Deny in any
 * statement wins, otherwise an Allow in any statement allows, otherwise the request is implicitly denied. Actions
 * match case-insensitively, resources case-sensitively, both with {@code *} and {@code ?} wildcards.
 *
 * <p>Written here because no maintained library evaluates a policy against a request: policyuniverse and parliament
 * parse, expand and lint policies, and moto's own evaluator runs inside the emulator, where it matches every Route53
 * call against resource {@code *} (issue 11). Elements this evaluator does not implement (Condition, Principal,
 * policy variables) are refused with an error instead of being ignored, so no policy is ever judged more permissive
 * or stricter than IAM would judge it.
 */
public final class IdentityPolicies {

    /** IAM's three outcomes. */
    public enum Decision { ALLOWED, EXPLICITLY_DENIED, IMPLICITLY_DENIED }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> IMPLEMENTED = Set.of("Sid", "Effect", "Action", "NotAction", "Resource",
            "NotResource");

    private IdentityPolicies() {
    }

    /** The decision for {@code action} on {@code resource} under every policy document the caller has. */
    public static Decision decide(List<String> documents, String action, String resource) {
        boolean allowed = false;
        for (String document : documents) {
            for (JsonNode statement : statements(document)) {
                if (!applies(statement, action, resource)) {
                    continue;
                }
                String effect = statement.path("Effect").asText();
                if (effect.equals("Deny")) {
                    return Decision.EXPLICITLY_DENIED;
                }
                if (!effect.equals("Allow")) {
                    throw new IllegalArgumentException("a statement's Effect is Allow or Deny, not '" + effect + "'");
                }
                allowed = true;
            }
        }
        return allowed ? Decision.ALLOWED : Decision.IMPLICITLY_DENIED;
    }

    private static boolean applies(JsonNode statement, String action, String resource) {
        boolean actionMatches = statement.has("NotAction")
                ? !matchesAny(statement.get("NotAction"), action, true)
                : matchesAny(required(statement, "Action"), action, true);
        boolean resourceMatches = statement.has("NotResource")
                ? !matchesAny(statement.get("NotResource"), resource, false)
                : matchesAny(required(statement, "Resource"), resource, false);
        return actionMatches && resourceMatches;
    }

    private static JsonNode required(JsonNode statement, String element) {
        JsonNode value = statement.get(element);
        if (value == null) {
            throw new IllegalArgumentException("a statement needs " + element + " or Not" + element + ": " + statement);
        }
        return value;
    }

    private static boolean matchesAny(JsonNode patterns, String value, boolean ignoreCase) {
        List<String> each = new ArrayList<>();
        if (patterns.isArray()) {
            patterns.forEach(p -> each.add(p.asText()));
        } else {
            each.add(patterns.asText());
        }
        for (String pattern : each) {
            if (pattern.contains("${")) {
                throw new IllegalArgumentException("policy variables are not evaluated here: " + pattern);
            }
            if (wildcard(pattern, ignoreCase).matcher(value).matches()) {
                return true;
            }
        }
        return false;
    }

    private static Pattern wildcard(String pattern, boolean ignoreCase) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
    }

    private static List<JsonNode> statements(String document) {
        // IAM returns documents URL-encoded; a document given as written starts with '{'.
        String json = document.trim().startsWith("{") ? document : URLDecoder.decode(document, StandardCharsets.UTF_8);
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a policy document", e);
        }
        JsonNode statement = root.path("Statement");
        List<JsonNode> statements = new ArrayList<>();
        if (statement.isArray()) {
            statement.forEach(statements::add);
        } else if (statement.isObject()) {
            statements.add(statement);
        } else {
            throw new IllegalArgumentException("a policy document needs a Statement");
        }
        for (JsonNode each : statements) {
            each.fieldNames().forEachRemaining(field -> {
                if (!IMPLEMENTED.contains(field)) {
                    throw new IllegalArgumentException("the element " + field + " is not evaluated here, so a policy "
                            + "using it cannot be judged: " + each);
                }
            });
        }
        return statements;
    }
}
