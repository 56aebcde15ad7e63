package io.zonekeeper.provisioner.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The IAM policy of one organization: what the ExternalDNS Zonekeeper deploys calls, and nothing more. Record
 * reads and changes are scoped to the organization's own hosted zone. ListHostedZones has no resource-level
 * permission in Route53, so it is granted on {@code *}; ExternalDNS needs it to find its zone's name, and it shows
 * zone names, never records. ExternalDNS (0.15 and 0.21) calls nothing else (ListTagsForResource only with
 * {@code --aws-zone-tags}, which Zonekeeper does not set); the authorizer in the real-ExternalDNS tests refuses any
 * call this policy does not allow.
 */
public final class ZonePolicyDocument {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ZONE_ARN_PREFIX = "arn:aws:route53:::hostedzone/";

    private ZonePolicyDocument() {
    }

    public static String forZone(String zoneId) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("Version", "2012-10-17");
        document.put("Statement", List.of(
                statement("RecordsInOwnZoneOnly", List.of("route53:ChangeResourceRecordSets",
                        "route53:ListResourceRecordSets"), ZONE_ARN_PREFIX + zoneId),
                statement("FindOwnZone", List.of("route53:ListHostedZones"), "*")));
        try {
            return JSON.writeValueAsString(document);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether a stored policy document grants exactly what {@code desired} does: the same JSON, whatever its
     * formatting. IAM returns documents URL-encoded; both forms are accepted. An unreadable document is not the same.
     */
    public static boolean same(String stored, String desired) {
        String json = stored.trim().startsWith("{") ? stored : URLDecoder.decode(stored, StandardCharsets.UTF_8);
        try {
            return JSON.readTree(json).equals(JSON.readTree(desired));
        } catch (IOException e) {
            return false;
        }
    }

    private static Map<String, Object> statement(String sid, List<String> actions, String resource) {
        Map<String, Object> statement = new LinkedHashMap<>();
        statement.put("Sid", sid);
        statement.put("Effect", "Allow");
        statement.put("Action", actions);
        statement.put("Resource", resource);
        return statement;
    }
}
