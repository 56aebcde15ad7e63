package io.zonekeeper.reaper;

import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.events.InvalidEventException;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams' deserialization and processing exception handlers, sending the offending source record (its original
 * bytes, from the error context) to the dead-letter topic with the reason, then letting the topology go on.
 * The publisher comes through the Streams configuration ({@value #PUBLISHER_CONFIG}), as Streams instantiates
 * handlers itself. The dead letter is written outside the Streams transaction: a record may be dead-lettered
 * twice after a crash, never lost. Kafka 4.1 has no built-in dead-letter response yet.
 */
public final class DeadLetteringExceptionHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {

    public static final String PUBLISHER_CONFIG = "zonekeeper.dead.letter.publisher";
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetteringExceptionHandler.class);

    private DeadLetterPublisher publisher;

    @Override
    public void configure(Map<String, ?> configs) {
        Object configured = configs.get(PUBLISHER_CONFIG);
        if (!(configured instanceof DeadLetterPublisher dlq)) {
            throw new IllegalStateException(PUBLISHER_CONFIG + " must hold the service's DeadLetterPublisher");
        }
        this.publisher = dlq;
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
        LOG.warn("dead-lettering {}-{}@{}: {}", context.topic(), context.partition(), context.offset(), reason);
        publisher.publish(new ConsumerRecord<>(context.topic(), context.partition(), context.offset(),
                context.timestamp(), TimestampType.CREATE_TIME, -1, -1, context.sourceRawKey(), context.sourceRawValue(),
                context.headers(), Optional.empty()), reason, exception);
    }
}
