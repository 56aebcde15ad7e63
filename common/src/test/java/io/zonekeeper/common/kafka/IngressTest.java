package io.zonekeeper.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * The ingress against a real broker, fed as librdkafka's default partitioner feeds a topic (CRC32 of the key): every
 * record lands once in the partition Java's client gives its key, in the order it was written per key, with its
 * key, value, timestamp and headers and where it came from; an instance stopped midway and another started in the
 * group forward nothing twice.
 */
class IngressTest {

    private static final KafkaBroker KAFKA = SharedKafka.get();
    private static final int PARTITIONS = 6;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String source = "upstream-" + suffix;
    private final String target = "by-org-" + suffix;
    private final KafkaClients clients = new KafkaClients(new KafkaSettings(KAFKA.bootstrapServers(), "http://unused",
            Map.of()), new ServiceIdentity("test", "ingress-" + suffix));

    /** Where librdkafka's default partitioner (consistent_random) puts a keyed record: CRC32 of the key. */
    private static int librdkafkaPartition(String key, int partitions) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % partitions);
    }

    @Test
    void recordsPartitionedByCrc32LandOnceWhereMurmur2PutsThemInOrderPerKey() throws Exception {
        KAFKA.createTopic(source, PARTITIONS, false);
        KAFKA.createTopic(target, PARTITIONS, false);
        int perKey = 40;
        List<String> keys = List.of("org-1", "org-2", "org-3", "org-4", "org-5", "org-6", "org-7", "org-8");
        assertThat(keys).as("keys CRC32 and murmur2 place apart, so the test shows something")
                .anyMatch(k -> librdkafkaPartition(k, PARTITIONS) != OrgPartitions.of(k, PARTITIONS));
        String group = "ingress-" + suffix;
        Ingress first = ingress(group);
        first.start("ingress-1");
        try (Producer<byte[], byte[]> producer = clients.producer()) {
            for (int i = 0; i < perKey; i++) {
                for (String key : keys) {
                    var headers = new RecordHeaders().add("trace", ("t" + i).getBytes(StandardCharsets.UTF_8));
                    producer.send(new ProducerRecord<>(source, librdkafkaPartition(key, PARTITIONS), 1_000L + i,
                            key.getBytes(StandardCharsets.UTF_8), (key + "#" + i).getBytes(StandardCharsets.UTF_8),
                            headers));
                }
                if (i == perKey / 2) {
                    producer.flush();
                    // Half way: this instance stops and another takes over the group.
                    first.close();
                    Ingress second = ingress(group);
                    second.start("ingress-2");
                    first = second;
                }
            }
        }
        Ingress running = first;
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> committedRecords(target) == perKey * keys.size());
        } finally {
            running.close();
        }

        Map<String, List<String>> valuesByKey = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : committed(target)) {
            String key = new String(record.key(), StandardCharsets.UTF_8);
            assertThat(record.partition()).as(key).isEqualTo(OrgPartitions.of(key, PARTITIONS));
            String value = new String(record.value(), StandardCharsets.UTF_8);
            int i = Integer.parseInt(value.substring(value.indexOf('#') + 1));
            assertThat(record.timestamp()).isEqualTo(1_000L + i);
            assertThat(header(record, "trace")).isEqualTo("t" + i);
            assertThat(header(record, Ingress.SOURCE_TOPIC)).isEqualTo(source);
            assertThat(header(record, Ingress.SOURCE_PARTITION))
                    .isEqualTo(Integer.toString(librdkafkaPartition(key, PARTITIONS)));
            assertThat(Ingress.Origin.of(record).topic()).isEqualTo(source);
            valuesByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
        for (String key : keys) {
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < perKey; i++) {
                expected.add(key + "#" + i);
            }
            assertThat(valuesByKey.get(key)).as("each record of " + key + " once, in order").isEqualTo(expected);
        }
    }

    @Test
    void anIngressWithoutItsTopicStopsAndSaysWhy() {
        KAFKA.createTopic(source, PARTITIONS, false);
        try (Ingress ingress = new KafkaClients(new KafkaSettings(KAFKA.bootstrapServers(), "http://unused",
                Map.of("max.block.ms", "2000")), new ServiceIdentity("test", "missing-" + suffix))
                .ingress("ingress-" + suffix, List.of(new Ingress.Route(source, "missing-" + suffix)),
                        Duration.ofMillis(100))) {
            ingress.start("ingress-missing");
            await().atMost(Duration.ofSeconds(30)).until(() -> !ingress.running());
            assertThat(ingress.failure()).hasMessageContaining("cannot find its topic missing-" + suffix);
        }
    }

    private Ingress ingress(String group) {
        return clients.ingress(group, List.of(new Ingress.Route(source, target)), Duration.ofMillis(100));
    }

    /** What a read_committed reader sees: the committed records, transaction markers skipped. */
    private List<ConsumerRecord<byte[], byte[]>> committed(String topic) {
        return KAFKA.readAll(topic).stream().filter(r -> r.key() != null).toList();
    }

    private long committedRecords(String topic) {
        return committed(topic).size();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
        var header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
