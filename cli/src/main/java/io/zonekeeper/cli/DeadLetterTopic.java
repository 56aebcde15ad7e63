package io.zonekeeper.cli;

import io.zonekeeper.common.dlq.DeadLetterPublisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * A dead-letter topic read whole: the dead letters with their reasons and source positions, and the markers
 * {@code zk dlq redrive} appends (a dead-letter topic is a log: a redriven letter is marked by a record after it,
 * never changed).
 */
final class DeadLetterTopic {

    static final String REDRIVEN_SOURCE = "zk.dlq.redriven.source";
    static final String REDRIVEN_TO = "zk.dlq.redriven.to";
    static final String REDRIVEN_AT = "zk.dlq.redriven.at";
    static final String REDRIVEN_FROM = "zk.redriven.from";

    /** One dead letter and whether (and where) it has been redriven. */
    record Letter(ConsumerRecord<byte[], byte[]> record, String redrivenTo) {

        String position() {
            return record.partition() + "@" + record.offset();
        }

        String header(String name) {
            Header header = record.headers().lastHeader(name);
            return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
        }

        String reason() {
            return header(DeadLetterPublisher.REASON);
        }

        /** The record's place in its source topic: the same bad record dead-lettered by several services. */
        String source() {
            return header(DeadLetterPublisher.SOURCE_TOPIC) + "-" + header(DeadLetterPublisher.SOURCE_PARTITION) + "@"
                    + header(DeadLetterPublisher.SOURCE_OFFSET);
        }
    }

    private DeadLetterTopic() {
    }

    static List<Letter> read(Connection connection, String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = connection.consumer()) {
            var infos = consumer.partitionsFor(topic, connection.timeout);
            if (infos == null || infos.isEmpty()) {
                throw new Zk.Refused("topic " + topic + " does not exist");
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, connection.timeout);
            long deadline = System.nanoTime() + connection.timeout.multipliedBy(6).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new Zk.Unreachable("could not read " + topic + " to its end in time", null);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        Map<String, String> redriven = new HashMap<>();
        List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            Header marker = record.headers().lastHeader(REDRIVEN_SOURCE);
            if (marker != null) {
                Header to = record.headers().lastHeader(REDRIVEN_TO);
                redriven.put(new String(marker.value(), StandardCharsets.UTF_8),
                        to == null ? "yes" : new String(to.value(), StandardCharsets.UTF_8));
            } else {
                letters.add(record);
            }
        }
        List<Letter> result = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : letters) {
            Letter letter = new Letter(record, null);
            result.add(new Letter(record, redriven.get(letter.source())));
        }
        return result;
    }
}
