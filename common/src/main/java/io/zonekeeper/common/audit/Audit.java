package io.zonekeeper.common.audit;

import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditOutcome;
import io.zonekeeper.schemas.ResourceType;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a service reports about one of its actions; {@link AuditPublisher} adds who, when and an id. Details
 * are for names, serials, times and counts, never secret values.
 */
public record Audit(AuditAction action, ResourceType resourceType, String resourceId, AuditOutcome outcome,
                    String reason, String causeEventId, String orgId, String clusterId, Map<String, String> details) {

    public Audit {
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    public static Audit succeeded(AuditAction action, ResourceType type, String resourceId, String orgId,
                                  String causeEventId) {
        return new Audit(action, type, resourceId, AuditOutcome.SUCCEEDED, null, causeEventId, orgId, null, Map.of());
    }

    public static Audit refused(AuditAction action, ResourceType type, String resourceId, String orgId,
                                String causeEventId, String reason) {
        return new Audit(action, type, resourceId, AuditOutcome.REFUSED, reason, causeEventId, orgId, null, Map.of());
    }

    public Audit withCluster(String clusterId) {
        return new Audit(action, resourceType, resourceId, outcome, reason, causeEventId, orgId, clusterId, details);
    }

    public Audit withDetails(Map<String, String> moreDetails) {
        var merged = new TreeMap<>(details);
        merged.putAll(moreDetails);
        return new Audit(action, resourceType, resourceId, outcome, reason, causeEventId, orgId, clusterId, merged);
    }
}
