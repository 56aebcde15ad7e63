package io.zonekeeper.common.audit;

import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.AuditEvent;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes one {@link AuditEvent} per external mutation, decision or rejection to the audit topic, keyed by
 * organization so an organization's trail stays in order on one partition.
 */
public final class AuditPublisher {

    static final String NO_ORGANIZATION_KEY = "-";

    private final Producer<byte[], byte[]> producer;
    private final AvroSerializer<AuditEvent> serializer;
    private final String topic;
    private final ServiceIdentity identity;
    private final ServiceClock clock;

    public AuditPublisher(Producer<byte[], byte[]> producer, AvroSerializer<AuditEvent> serializer, String topic,
                          ServiceIdentity identity, ServiceClock clock) {
        this.producer = producer;
        this.serializer = serializer;
        this.topic = topic;
        this.identity = identity;
        this.clock = clock;
    }

    /** Sends the event; the returned future completes when the broker has it. */
    public Future<RecordMetadata> publish(Audit audit) {
        AuditEvent event = AuditEvent.newBuilder()
                .setAuditId(UUID.randomUUID())
                .setOccurredAt(clock.now())
                .setService(identity.service())
                .setInstance(identity.instance())
                .setAction(audit.action())
                .setResourceType(audit.resourceType())
                .setResourceId(audit.resourceId())
                .setOutcome(audit.outcome())
                .setReason(audit.reason())
                .setCauseEventId(audit.causeEventId())
                .setOrgId(audit.orgId())
                .setClusterId(audit.clusterId())
                .setDetails(audit.details())
                .setClock(clock.description())
                .build();
        String key = audit.orgId() == null ? NO_ORGANIZATION_KEY : audit.orgId();
        return producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                serializer.serialize(topic, event)));
    }
}
