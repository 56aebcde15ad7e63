package io.zonekeeper.common.dlq;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Where a consumer sends a record whose handling failed in a way nobody recognised (a bug, or bad input no check
 * caught): dead-lettered with the reason, and audited as a rejection where the service audits, so dashboards
 * reading the audit topic see it like any other. Durable on return; a failure to make it durable throws.
 */
@FunctionalInterface
public interface DeadLetters {

    void deadLetter(ConsumerRecord<byte[], byte[]> record, String reason, Throwable cause);
}
