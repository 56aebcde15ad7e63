package io.zonekeeper.common.audit;

import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.ResourceType;

/**
 * What one reconcile did to one resource: the result every adapter returns (Strimzi's {@code ReconcileResult}), and
 * the audit trail turns into an event in one place ({@link AuditTrail#record(ResourceChange, ResourceType, String,
 * String, java.util.Map)}); an unchanged resource is no event at all. (Not Route53's {@code Change}, a record
 * change in a change batch.)
 */
public enum ResourceChange {
    CREATED, UPDATED, UNCHANGED, DELETED;

    public static ResourceChange deletedIf(boolean deleted) {
        return deleted ? DELETED : UNCHANGED;
    }

    public boolean changed() {
        return this != UNCHANGED;
    }

    /**
     * The audit action of this change to a resource of {@code type}: a Secret written into a cluster, new or
     * replaced, is INJECTED (dashboards follow credentials and certificates by that action).
     */
    AuditAction action(ResourceType type) {
        boolean secretInCluster = type == ResourceType.KUBERNETES_SECRET || type == ResourceType.TLS_SECRET;
        return switch (this) {
            case CREATED -> secretInCluster ? AuditAction.INJECTED : AuditAction.CREATED;
            case UPDATED -> secretInCluster ? AuditAction.INJECTED : AuditAction.UPDATED;
            case DELETED -> AuditAction.DELETED;
            case UNCHANGED -> throw new IllegalStateException("an unchanged resource has no audit action");
        };
    }
}
