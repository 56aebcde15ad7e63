package io.zonekeeper.reaper;

import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Aggregation throughput of the reaper (exactly-once, real broker) next to a plain consumer that only reads and
 * deserializes the same topic, in the same run; then state size and heap. Not part of the test suite: run with
 * {@code ./mvnw -B install -DskipTests && ./mvnw -B -pl reaper-service test -Dsurefire.excludedGroups=
 * -Dtest=ReaperBenchmark -Dbenchmark.orgs=100000 -Dbenchmark.clusters=10}. Results go to stdout and
 * {@code reaper-service/target/benchmark-reaper.txt}.
 */
@Tag("benchmark")
class ReaperBenchmark {

    @Test
    void aggregationThroughputAgainstAPlainConsumer() throws Exception {
        int orgs = Integer.getInteger("benchmark.orgs", 100_000);
        int clustersPerOrg = Integer.getInteger("benchmark.clusters", 10);
        long events = (long) orgs * clustersPerOrg;
        List<String> report = new ArrayList<>();
        report.add(String.format("machine: %d cores, java %s, max heap %d MiB; %,d organizations x %d clusters = %,d"
                + " RUNNING events on a 3-partition topic", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20, orgs, clustersPerOrg, events));
        try (ReaperWorld world = new ReaperWorld()) {
            long produceStart = System.nanoTime();
            produce(world, orgs, clustersPerOrg);
            report.add(String.format("produced in %.1f s", (System.nanoTime() - produceStart) / 1e9));

            double plain = plainConsumerPerSecond(world, events);
            report.add(String.format("plain consumer (read + Avro deserialize): %,.0f events/s", plain));

            long heapBefore = usedHeapAfterGc();
            long rssBefore = residentSetBytes();
            Path stateDir = Files.createTempDirectory("reaper-bench");
            long start = System.nanoTime();
            ReaperService service = world.start(Map.of("STATE_DIR", stateDir.toString()));
            long[] first = awaitCommitted(world, "reaper-" + world.suffix, 1);
            long[] last = awaitCommitted(world, "reaper-" + world.suffix, events);
            double seconds = (System.nanoTime() - start) / 1e9;
            // Steady state: from the first commit (start-up, restoration and the first rebalance behind) to the end.
            double reaper = (last[0] - first[0]) / ((last[1] - first[1]) / 1e9);
            report.add(String.format("reaper (exactly-once, RocksDB, an org.clusters.v1 record per change): %,.0f"
                    + " events/s steady; %.1f s for all including start-up", reaper, seconds));
            report.add(String.format("ratio reaper / plain consumer: %.2f", reaper / plain));
            long heapAfter = usedHeapAfterGc();
            long rssAfter = residentSetBytes();
            world.stop(service);
            report.add(String.format("state directory after close: %,d MiB; heap held after processing (after GC,"
                    + " test JVM now minus before the reaper started): %,d MiB; resident set grew by %,d MiB (RocksDB"
                    + " block cache and memtables live off the heap)", directorySize(stateDir) >> 20,
                    (heapAfter - heapBefore) >> 20, (rssAfter - rssBefore) >> 20));
        }
        report.forEach(System.out::println);
        Files.write(Path.of("target", "benchmark-reaper.txt"), report);
    }

    private static void produce(ReaperWorld world, int orgs, int clustersPerOrg) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, world.kafka.bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        var serializer = new AvroSerializer<ClusterLifecycleEvent>(world.registry, false, true);
        Instant now = world.clock.instant().minusSeconds(3600);
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int c = 0; c < clustersPerOrg; c++) {
                for (int o = 0; o < orgs; o++) {
                    String orgId = "org-" + o;
                    ClusterLifecycleEvent event = ClusterLifecycleEvent.newBuilder().setEventId(UUID.randomUUID())
                            .setOccurredAt(now.plusMillis(c)).setOrgId(orgId).setOrgName("org" + o)
                            .setClusterId("o" + o + "-c" + c).setClusterName("c" + c).setStatus(ClusterStatus.RUNNING)
                            .setCloud("amazon").setRegion("eu-west-1").setKubeconfigVaultPath("clusters/o" + o + "-c" + c)
                            .build();
                    producer.send(new ProducerRecord<>(world.topics.lifecycle(), orgId.getBytes(StandardCharsets.UTF_8),
                            serializer.serialize(world.topics.lifecycle(), event)));
                }
            }
            producer.flush();
        }
    }

    private static double plainConsumerPerSecond(ReaperWorld world, long events) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, world.kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "plain-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var deserializer = new AvroDeserializer<>(ClusterLifecycleEvent.class, world.registry);
        long read = 0;
        long checksum = 0;
        long start = System.nanoTime();
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(world.topics.lifecycle()));
            while (read < events) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    checksum += deserializer.deserialize(record.topic(), record.value()).getClusterId().length();
                    read++;
                }
            }
        }
        double rate = read / ((System.nanoTime() - start) / 1e9);
        return checksum > 0 ? rate : 0;
    }

    /** Waits until the group committed at least {@code events} offsets; returns {committed, nanoTime}. */
    private static long[] awaitCommitted(ReaperWorld world, String group, long events) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, world.kafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            while (true) {
                Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                long committed = offsets.entrySet().stream()
                        .filter(e -> e.getKey().topic().equals(world.topics.lifecycle()) && e.getValue() != null)
                        .mapToLong(e -> e.getValue().offset()).sum();
                if (committed >= events) {
                    return new long[] {committed, System.nanoTime()};
                }
                Thread.sleep(100);
            }
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The process's resident set from /proc (Linux), 0 elsewhere. */
    private static long residentSetBytes() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return 0;
        }
        return Files.readAllLines(status).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).findFirst().orElse(0);
    }

    private static long directorySize(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
