package io.zonekeeper.reaper;

import io.zonekeeper.common.dlq.Rejections;
import io.zonekeeper.common.events.InvalidEventException;
import io.zonekeeper.schemas.ResourceType;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Streams' deserialization and processing exception handlers, rejecting the offending source record (its original
 * bytes, from the error context) as the other services do: to the dead-letter topic with the reason, and a REJECTED
 * audit event; then the topology goes on. What rejects comes through the Streams configuration
 * ({@value #REJECTIONS_CONFIG}), as Streams instantiates handlers itself. Both are written outside the Streams
 * transaction: a record may be rejected twice after a crash, never lost. Streams' own dead-letter queue (KIP-1034)
 * writes headers of its own, not those {@code zk dlq} redrives by, and no audit event.
 */
public final class DeadLetteringExceptionHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {

    public static final String REJECTIONS_CONFIG = "zonekeeper.rejections";

    /** What the handlers reject with, and the topic whose records are zones (the others are lifecycle events). */
    public record Target(Rejections rejections, String zonesTopic) {
    }

    private Target target;

    @Override
    public void configure(Map<String, ?> configs) {
        Object configured = configs.get(REJECTIONS_CONFIG);
        if (!(configured instanceof Target configuredTarget)) {
            throw new IllegalStateException(REJECTIONS_CONFIG + " must hold the service's rejection target");
        }
        this.target = configuredTarget;
    }

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                 Exception exception) {
        deadLetter(context, "undecodable record: " + exception.getMessage(), exception);
        return DeserializationHandlerResponse.CONTINUE;
    }

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        String reason = exception instanceof InvalidEventException ? exception.getMessage()
                : "unexpected " + exception.getClass().getSimpleName() + " while processing";
        deadLetter(context, reason, exception);
        return ProcessingHandlerResponse.CONTINUE;
    }

    private void deadLetter(ErrorHandlerContext context, String reason, Exception exception) {
        ResourceType type = context.topic().equals(target.zonesTopic()) ? ResourceType.HOSTED_ZONE
                : ResourceType.LIFECYCLE_EVENT;
        target.rejections().reject(new ConsumerRecord<>(context.topic(), context.partition(), context.offset(),
                context.timestamp(), TimestampType.CREATE_TIME, -1, -1, context.sourceRawKey(), context.sourceRawValue(),
                context.headers(), Optional.empty()), type, reason, exception);
    }
}
