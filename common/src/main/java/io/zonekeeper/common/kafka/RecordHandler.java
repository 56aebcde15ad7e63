package io.zonekeeper.common.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Processes one consumed record. Contract, as in java-operator-sdk's reconcilers: idempotent, assumes nothing
 * about the current state of the world, and returns only when the record's effects are durable or the record is
 * dead-lettered. What an exception it throws means is decided in one place, {@link io.zonekeeper.common.retry.Failures},
 * by its cause chain: a transient fault ("the world is unavailable", also a state or audit publish that timed out)
 * has the record tried again later, a fatal one stops the consumer, and anything else is a bug and the record is
 * dead-lettered.
 */
@FunctionalInterface
public interface RecordHandler {

    enum Outcome {
        /** The record is done: its offset may be committed. */
        DONE,
        /**
         * The record cannot be applied yet because it depends on records of other partitions not yet consumed;
         * it moves behind the key's other pending records and is offered again after a short delay.
         */
        DEFER
    }

    Outcome handle(ConsumerRecord<byte[], byte[]> record) throws Exception;
}
