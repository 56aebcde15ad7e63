package io.zonekeeper.common.kafka;

import io.zonekeeper.common.retry.RejectedRecordException;
import io.zonekeeper.common.serde.AvroSerdeException;

/**
 * A consumed record whose bytes cannot be decoded, with where it sits, so the consumer can dead-letter it with
 * the reason and move on to the next offset.
 */
public final class UndecodableRecordException extends RejectedRecordException {

    private final String topic;
    private final int partition;
    private final long offset;
    private final AvroSerdeException.Problem problem;

    public UndecodableRecordException(String topic, int partition, long offset, AvroSerdeException cause) {
        super("cannot decode " + topic + "-" + partition + "@" + offset + ": " + cause.getMessage(), cause);
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.problem = cause.problem();
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    public AvroSerdeException.Problem problem() {
        return problem;
    }

    /** The reason without the location, for dead-letter headers that carry the location separately. */
    @Override
    public String reason() {
        return "undecodable record: " + getCause().getMessage();
    }
}
