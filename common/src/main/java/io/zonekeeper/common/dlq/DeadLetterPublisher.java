package io.zonekeeper.common.dlq;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.kafka.Delivery;
import io.zonekeeper.common.kafka.Ingress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Sends a record a consumer cannot process to {@code <source topic><suffix>} with its original key, value and
 * headers untouched, plus headers saying why and where from, so an operator can inspect it and redrive it to its
 * source topic unchanged. {@link #publish} returns only once the broker has the dead letter: the caller may then
 * commit past the record without losing it.
 *
 * <p>The reason is the service's own description; exception messages are not copied, only the exception class,
 * because a message from a client library could quote data that must stay secret.
 */
public final class DeadLetterPublisher {

    public static final String REASON = "zk.dlq.reason";
    public static final String EXCEPTION_CLASS = "zk.dlq.exception.class";
    public static final String SOURCE_TOPIC = "zk.dlq.source.topic";
    public static final String SOURCE_PARTITION = "zk.dlq.source.partition";
    public static final String SOURCE_OFFSET = "zk.dlq.source.offset";
    public static final String SOURCE_TIMESTAMP = "zk.dlq.source.timestamp";
    public static final String SERVICE = "zk.dlq.service";
    public static final String FAILED_AT = "zk.dlq.failed.at";
    /** Where a record read from a by-organization topic was read: its topic-partition@offset there. */
    public static final String VIA = "zk.dlq.via";
    static final int MAX_REASON_LENGTH = 1000;

    private final Producer<byte[], byte[]> producer;
    private final ServiceIdentity identity;
    private final String topicSuffix;
    private final Clock clock;
    private final MeterRegistry metrics;

    public DeadLetterPublisher(Producer<byte[], byte[]> producer, ServiceIdentity identity, String topicSuffix,
                               Clock clock, MeterRegistry metrics) {
        this.producer = producer;
        this.identity = identity;
        this.topicSuffix = topicSuffix;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * Publishes the dead-letter count of each of {@code sourceTopics} at zero from the start: Prometheus's
     * {@code increase()} cannot see a counter's first step from absent to 1, so the first dead letter would alert
     * nobody.
     */
    public DeadLetterPublisher counting(String... sourceTopics) {
        for (String topic : sourceTopics) {
            counter(topic);
        }
        return this;
    }

    private Counter counter(String sourceTopic) {
        return Counter.builder("zonekeeper.records.dead.lettered")
                .description("Records sent to a dead-letter topic")
                .tag("topic", sourceTopic)
                .register(metrics);
    }

    public String topicFor(String sourceTopic) {
        return sourceTopic + topicSuffix;
    }

    /** Publishes the dead letter and waits for the broker's acknowledgement. */
    public RecordMetadata publish(ConsumerRecord<byte[], byte[]> record, String reason, Throwable error) {
        Headers headers = new RecordHeaders();
        for (Header header : record.headers()) {
            if (!header.key().startsWith("zk.dlq.") && !header.key().startsWith(Ingress.HEADER_PREFIX)) {
                headers.add(header);
            }
        }
        // A record the ingress forwarded is dead-lettered as the upstream wrote it: under its topic and position
        // there, where the upstream's operators look and where a redrive sends it back through the ingress.
        Ingress.Origin origin = Ingress.Origin.of(record);
        add(headers, REASON, truncate(reason));
        add(headers, EXCEPTION_CLASS, error == null ? "" : error.getClass().getName());
        add(headers, SOURCE_TOPIC, origin.topic());
        add(headers, SOURCE_PARTITION, Integer.toString(origin.partition()));
        add(headers, SOURCE_OFFSET, Long.toString(origin.offset()));
        if (!origin.topic().equals(record.topic())) {
            add(headers, VIA, record.topic() + "-" + record.partition() + "@" + record.offset());
        }
        add(headers, SOURCE_TIMESTAMP, Long.toString(record.timestamp()));
        add(headers, SERVICE, identity.service());
        add(headers, FAILED_AT, clock.instant().toString());
        String topic = topicFor(origin.topic());
        RecordMetadata metadata = Delivery.await(producer.send(new ProducerRecord<>(topic, null, record.key(),
                record.value(), headers)), "the dead letter of " + record.topic() + "-" + record.partition() + "@"
                + record.offset() + " to " + topic);
        counter(origin.topic()).increment();
        return metadata;
    }

    private static void add(Headers headers, String key, String value) {
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String truncate(String reason) {
        String text = reason == null || reason.isBlank() ? "unspecified" : reason;
        return text.length() <= MAX_REASON_LENGTH ? text : text.substring(0, MAX_REASON_LENGTH - 1) + "…";
    }
}
