package io.zonekeeper.common.serde;

import org.apache.kafka.common.errors.SerializationException;

/** A record's bytes cannot be turned into the expected Avro record (or back); retrying will not help. */
public final class AvroSerdeException extends SerializationException {

    /** What is wrong with the bytes, for dead-letter reasons and metrics. */
    public enum Problem {
        TOO_SHORT,
        UNKNOWN_MAGIC_BYTE,
        UNKNOWN_SCHEMA_ID,
        INCOMPATIBLE_SCHEMA,
        UNDECODABLE_PAYLOAD,
        SCHEMA_REJECTED
    }

    private final Problem problem;

    public AvroSerdeException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public AvroSerdeException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
