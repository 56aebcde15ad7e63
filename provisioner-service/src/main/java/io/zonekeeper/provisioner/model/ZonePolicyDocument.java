package io.zonekeeper.provisioner.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The IAM policy of one organization: record changes in its own hosted zone only, plus the read-only calls
 * ExternalDNS needs to find the zone and its records, and to follow a change to completion.
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
                statement("ChangeRecordsInOwnZoneOnly", List.of("route53:ChangeResourceRecordSets"),
                        ZONE_ARN_PREFIX + zoneId),
                statement("FindZonesAndRecords", List.of("route53:ListHostedZones", "route53:ListHostedZonesByName",
                        "route53:ListResourceRecordSets"), "*"),
                statement("FollowChanges", List.of("route53:GetChange"), "arn:aws:route53:::change/*")));
        try {
            return JSON.writeValueAsString(document);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The zone a stored policy document grants record changes in, if any. IAM returns documents URL-encoded;
     * both forms are accepted.
     */
    public static Optional<String> zoneIdIn(String document) {
        String json = document.trim().startsWith("{") ? document : URLDecoder.decode(document, StandardCharsets.UTF_8);
        try {
            for (JsonNode statement : JSON.readTree(json).path("Statement")) {
                JsonNode resource = statement.path("Resource");
                if (resource.isTextual() && resource.asText().startsWith(ZONE_ARN_PREFIX)) {
                    return Optional.of(resource.asText().substring(ZONE_ARN_PREFIX.length()));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
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
