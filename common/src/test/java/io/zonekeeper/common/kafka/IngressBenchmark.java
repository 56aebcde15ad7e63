package io.zonekeeper.common.kafka;

import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the ingress costs: a backlog of lifecycle-sized records (400 bytes) forwarded from a topic partitioned as
 * librdkafka does, and the latency one record sees on a quiet topic (written, then read committed from the
 * by-organization topic). Figures go into BENCHMARKS.md.
 *
 * <pre>./mvnw -B -pl common test -Dsurefire.excludedGroups= -Dtest=IngressBenchmark -Dbenchmark.records=50000</pre>
 */
@Tag("benchmark")
class IngressBenchmark {

    private static final KafkaBroker KAFKA = SharedKafka.get();
    private static final int PARTITIONS = 12;
    private static final int RECORDS = Integer.getInteger("benchmark.records", 50_000);

    @Test
    void forwardsABacklogAndOneRecordAtATime() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String source = "bench-upstream-" + suffix;
        String target = "bench-by-org-" + suffix;
        KAFKA.createTopic(source, PARTITIONS, false);
        KAFKA.createTopic(target, PARTITIONS, false);
        KafkaClients clients = new KafkaClients(new KafkaSettings(KAFKA.bootstrapServers(), "http://unused", Map.of()),
                new ServiceIdentity("bench", suffix));
        byte[] value = new byte[400];
        try (Producer<byte[], byte[]> producer = clients.producer()) {
            for (int i = 0; i < RECORDS; i++) {
                String key = "org-" + (i % 5_000);
                producer.send(new ProducerRecord<>(source, crc32Partition(key), key.getBytes(StandardCharsets.UTF_8),
                        value));
            }
            producer.flush();

            long started = System.nanoTime();
            try (Ingress ingress = clients.ingress("bench-" + suffix, List.of(new Ingress.Route(source, target)),
                    Duration.ofMillis(100))) {
                ingress.start("bench-ingress");
                while (forwarded(target) < RECORDS) {
                    Thread.sleep(200);
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                System.out.printf("backlog: %,d records forwarded in %.1f s = %,.0f records/s%n", RECORDS, seconds,
                        RECORDS / seconds);

                List<Long> latencies = new ArrayList<>();
                try (var reader = clients.consumer("bench-reader-" + suffix)) {
                    var partitions = reader.partitionsFor(target).stream()
                            .map(p -> new org.apache.kafka.common.TopicPartition(target, p.partition())).toList();
                    reader.assign(partitions);
                    reader.seekToEnd(partitions);
                    partitions.forEach(reader::position);
                    for (int i = 0; i < 50; i++) {
                        long sent = System.nanoTime();
                        producer.send(new ProducerRecord<>(source, crc32Partition("org-" + i), ("org-" + i)
                                .getBytes(StandardCharsets.UTF_8), value)).get();
                        while (reader.poll(Duration.ofMillis(5)).isEmpty()) {
                            // until the forwarded record is committed and readable
                        }
                        latencies.add((System.nanoTime() - sent) / 1_000_000);
                    }
                }
                latencies.sort(Long::compare);
                System.out.printf("one record, written to read committed at the target: median %d ms, p90 %d ms,"
                        + " max %d ms%n", latencies.get(25), latencies.get(45), latencies.get(49));
            }
        }
    }

    private static long forwarded(String topic) {
        return KAFKA.readAll(topic).stream().filter((ConsumerRecord<byte[], byte[]> r) -> r.key() != null).count();
    }

    private static int crc32Partition(String key) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % PARTITIONS);
    }
}
