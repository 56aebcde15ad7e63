package io.zonekeeper.common.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.kafka.Ingress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class DeadLetterPublisherTest {

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final DeadLetterPublisher dlq = new DeadLetterPublisher(producer,
            new ServiceIdentity("provisioner-service", "pod-1"), ".dlq",
            Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC), new SimpleMeterRegistry());

    @Test
    void keepsOriginalKeyValueAndHeadersAndSaysWhyAndWhereFrom() {
        RecordHeaders original = new RecordHeaders();
        original.add("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8));
        byte[] key = "org-1".getBytes(StandardCharsets.UTF_8);
        byte[] value = {1, 2, 3};
        var record = new ConsumerRecord<>("cluster.lifecycle.v1", 3, 42L, 1_700_000_000_000L,
                TimestampType.CREATE_TIME, 5, 3, key, value, original, Optional.empty());

        dlq.publish(record, "organization name 'b.a' is not a single DNS label", new IllegalArgumentException("x"));

        ProducerRecord<byte[], byte[]> sent = producer.history().get(0);
        assertThat(sent.topic()).isEqualTo("cluster.lifecycle.v1.dlq");
        assertThat(sent.key()).isEqualTo(key);
        assertThat(sent.value()).isEqualTo(value);
        assertThat(header(sent, "traceparent")).isEqualTo("00-abc");
        assertThat(header(sent, DeadLetterPublisher.REASON)).isEqualTo("organization name 'b.a' is not a single DNS label");
        assertThat(header(sent, DeadLetterPublisher.EXCEPTION_CLASS)).isEqualTo("java.lang.IllegalArgumentException");
        assertThat(header(sent, DeadLetterPublisher.SOURCE_TOPIC)).isEqualTo("cluster.lifecycle.v1");
        assertThat(header(sent, DeadLetterPublisher.SOURCE_PARTITION)).isEqualTo("3");
        assertThat(header(sent, DeadLetterPublisher.SOURCE_OFFSET)).isEqualTo("42");
        assertThat(header(sent, DeadLetterPublisher.SOURCE_TIMESTAMP)).isEqualTo("1700000000000");
        assertThat(header(sent, DeadLetterPublisher.SERVICE)).isEqualTo("provisioner-service");
        assertThat(header(sent, DeadLetterPublisher.FAILED_AT)).isEqualTo("2026-11-23T10:00:00Z");
    }

    @Test
    void aRecordTheIngressForwardedIsDeadLetteredAsTheUpstreamWroteIt() {
        RecordHeaders forwarded = new RecordHeaders();
        forwarded.add(Ingress.SOURCE_TOPIC, "cluster.lifecycle.v1".getBytes(StandardCharsets.UTF_8));
        forwarded.add(Ingress.SOURCE_PARTITION, "5".getBytes(StandardCharsets.UTF_8));
        forwarded.add(Ingress.SOURCE_OFFSET, "900".getBytes(StandardCharsets.UTF_8));
        var record = new ConsumerRecord<>("cluster.lifecycle.by-org.v1", 1, 77L, 1_700_000_000_000L,
                TimestampType.CREATE_TIME, 5, 3, "org-1".getBytes(StandardCharsets.UTF_8), new byte[] {1}, forwarded,
                Optional.empty());

        dlq.publish(record, "occurredAt: too far ahead", null);

        ProducerRecord<byte[], byte[]> sent = producer.history().get(0);
        // Where the upstream's operators look, and from where a redrive goes back through the ingress.
        assertThat(sent.topic()).isEqualTo("cluster.lifecycle.v1.dlq");
        assertThat(header(sent, DeadLetterPublisher.SOURCE_TOPIC)).isEqualTo("cluster.lifecycle.v1");
        assertThat(header(sent, DeadLetterPublisher.SOURCE_PARTITION)).isEqualTo("5");
        assertThat(header(sent, DeadLetterPublisher.SOURCE_OFFSET)).isEqualTo("900");
        assertThat(header(sent, DeadLetterPublisher.VIA)).isEqualTo("cluster.lifecycle.by-org.v1-1@77");
        assertThat(sent.headers().lastHeader(Ingress.SOURCE_TOPIC)).isNull();
    }

    @Test
    void doesNotCopyExceptionMessagesWhichMightQuoteSecrets() {
        var record = new ConsumerRecord<>("t", 0, 0L, new byte[0], new byte[0]);
        dlq.publish(record, "kubeconfig unusable", new IllegalStateException("token: s3cr3t"));
        ProducerRecord<byte[], byte[]> sent = producer.history().get(0);
        sent.headers().forEach(h -> assertThat(new String(h.value(), StandardCharsets.UTF_8)).doesNotContain("s3cr3t"));
    }

    @Test
    void aRedrivenRecordGetsFreshDeadLetterHeadersNotDuplicates() {
        RecordHeaders previous = new RecordHeaders();
        previous.add(DeadLetterPublisher.REASON, "old".getBytes(StandardCharsets.UTF_8));
        var record = new ConsumerRecord<>("t", 0, 7L, 0L, TimestampType.CREATE_TIME, 0, 0, new byte[0], new byte[0],
                previous, Optional.empty());
        dlq.publish(record, "new reason", null);
        var headers = producer.history().get(0).headers().headers(DeadLetterPublisher.REASON);
        assertThat(headers).hasSize(1);
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String key) {
        return new String(record.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }
}
