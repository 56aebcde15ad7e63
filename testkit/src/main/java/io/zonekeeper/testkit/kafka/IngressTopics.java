package io.zonekeeper.testkit.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * A test's own upstream topics (where it writes, as the upstream would), the by-organization topics the services'
 * ingress forwards them into, and the ingress group, created on the shared broker with their dead-letter topics.
 * Each test gets a group of its own: one shared by unrelated tests would rebalance across all of them.
 */
public record IngressTopics(String lifecycle, String lifecycleByOrg, String requests, String requestsByOrg,
                            String group) {

    public static IngressTopics create(KafkaBroker kafka, String suffix, int partitions) {
        IngressTopics topics = new IngressTopics("cluster.lifecycle.v1-" + suffix,
                "cluster.lifecycle.by-org.v1-" + suffix, "cert.requests.v1-" + suffix, "cert.requests.by-org.v1-" + suffix,
                "ingress-" + suffix);
        for (String topic : List.of(topics.lifecycle, topics.lifecycleByOrg, topics.requests, topics.requestsByOrg)) {
            kafka.createTopic(topic, partitions, false);
        }
        kafka.createTopic(topics.lifecycle + ".dlq", 1, false);
        kafka.createTopic(topics.requests + ".dlq", 1, false);
        return topics;
    }

    /** A position in a by-organization topic. */
    public record Position(int partition, long offset) {
    }

    /**
     * Where the ingress forwarded the record written at {@code partition}@{@code offset} of the upstream lifecycle
     * topic, waiting up to a minute for it: what a reap command's lifecycle position names.
     */
    public Position forwarded(KafkaBroker kafka, int partition, long offset) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (Instant.now().isBefore(deadline)) {
            for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(lifecycleByOrg)) {
                if (String.valueOf(partition).equals(header(record, "zk.ingress.source.partition"))
                        && String.valueOf(offset).equals(header(record, "zk.ingress.source.offset"))) {
                    return new Position(record.partition(), record.offset());
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("the ingress did not forward " + lifecycle + "-" + partition + "@" + offset);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
