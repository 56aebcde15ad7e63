package io.zonekeeper.common.dlq;

import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.events.Identifiers;
import io.zonekeeper.common.events.InvalidEventException;
import io.zonekeeper.common.kafka.RecordDecoder;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.ResourceType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a consumer does with a record it can never apply: dead-letter it with the reason and audit the rejection,
 * both durable before the record's offset may be committed.
 */
public final class Rejections {

    private static final Logger LOG = LoggerFactory.getLogger(Rejections.class);

    private final DeadLetterPublisher deadLetters;
    private final AuditPublisher audit;

    public Rejections(DeadLetterPublisher deadLetters, AuditPublisher audit) {
        this.deadLetters = deadLetters;
        this.audit = audit;
    }

    /**
     * @param type what the record was, for the audit: a lifecycle event, a certificate request...
     */
    public void reject(ConsumerRecord<byte[], byte[]> record, ResourceType type, String reason, Throwable cause) {
        LOG.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
        deadLetters.publish(record, reason, cause);
        AuditTrail trail = new AuditTrail(audit, null, validOrgIdOrNull(RecordDecoder.keyOf(record)), null);
        trail.refused(AuditAction.REJECTED, type, record.topic() + "-" + record.partition() + "@" + record.offset(),
                reason);
        trail.awaitDurable();
    }

    /** The key if it is a valid organization id: the audit event must not carry arbitrary input as one. */
    private static String validOrgIdOrNull(String key) {
        try {
            return key == null ? null : Identifiers.orgId(key);
        } catch (InvalidEventException e) {
            return null;
        }
    }
}
