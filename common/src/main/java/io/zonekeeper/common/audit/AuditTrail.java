package io.zonekeeper.common.audit;

import io.zonekeeper.common.kafka.Delivery;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditOutcome;
import io.zonekeeper.schemas.ResourceType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The audit events caused by one record, sent as they happen and awaited before the record counts as done:
 * an audit event is an effect like any other and must be durable before the offset is committed.
 */
public final class AuditTrail {

    private final AuditPublisher publisher;
    private final String causeEventId;
    private final String orgId;
    private final String clusterId;
    private final List<Future<RecordMetadata>> sent;

    public AuditTrail(AuditPublisher publisher, String causeEventId, String orgId, String clusterId) {
        this(publisher, causeEventId, orgId, clusterId, new ArrayList<>());
    }

    private AuditTrail(AuditPublisher publisher, String causeEventId, String orgId, String clusterId,
                       List<Future<RecordMetadata>> sent) {
        this.publisher = publisher;
        this.causeEventId = causeEventId;
        this.orgId = orgId;
        this.clusterId = clusterId;
        this.sent = sent;
    }

    /**
     * The same trail for effects on another cluster of the organization (a key rolled out to a sibling): same
     * cause, that cluster's id, awaited with the rest.
     */
    public AuditTrail forCluster(String otherClusterId) {
        return new AuditTrail(publisher, causeEventId, orgId, otherClusterId, sent);
    }

    public void record(AuditAction action, ResourceType type, String resourceId,
                String reason, Map<String, String> details) {
        sent.add(publisher.publish(new Audit(action, type, resourceId, AuditOutcome.SUCCEEDED,
                reason, causeEventId, orgId, clusterId, details)));
    }

    /** The audit event of what an adapter did ({@link ResourceChange}); nothing when the resource was unchanged. */
    public void record(ResourceChange change, ResourceType type, String resourceId, String reason,
                       Map<String, String> details) {
        if (change.changed()) {
            record(change.action(type), type, resourceId, reason, details);
        }
    }

    public void refused(AuditAction action, ResourceType type, String resourceId,
                 String reason) {
        sent.add(publisher.publish(new Audit(action, type, resourceId, AuditOutcome.REFUSED,
                reason, causeEventId, orgId, clusterId, Map.of())));
    }

    public void failed(ResourceType type, String resourceId, String reason) {
        sent.add(publisher.publish(new Audit(AuditAction.UPDATED, type, resourceId,
                AuditOutcome.FAILED, reason, causeEventId, orgId, clusterId, Map.of())));
    }

    public void awaitDurable() {
        for (Future<RecordMetadata> future : sent) {
            Delivery.await(future, "an audit event");
        }
        sent.clear();
    }
}
