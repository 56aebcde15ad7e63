package io.zonekeeper.local;

import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.kafka.TopicNames;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.schemas.OrgDnsState;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the local run shows: per organization its zone, the clusters using it, its certificates and their expiry
 * and any pending reap, read from the services' own state topics; below it the audit stream and dead letters as
 * they happen. With the UI off the audit events and dead letters are printed as lines instead.
 */
final class LiveView implements AutoCloseable {

    /** Times shown are the services' clock (simulated in a default local run): from the records, never real time. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final List<String> DEAD_LETTER_TOPICS = TopicNames.INPUTS.stream().map(TopicNames::deadLetters)
            .toList();

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final SchemaRegistryClient registry;
    private final PrintStream out;
    private final boolean ui;
    private final Supplier<String> header;
    private final Map<String, OrgDnsState> zones = new ConcurrentHashMap<>();
    private final Map<String, OrgClusters> usage = new ConcurrentHashMap<>();
    private final Map<String, ClusterTlsState> certificates = new ConcurrentHashMap<>();
    private final Deque<String> audit = new ArrayDeque<>();
    private final Deque<String> deadLetters = new ArrayDeque<>();
    private final List<AuditEvent> auditEvents = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    LiveView(Dependencies dependencies, PrintStream out, boolean ui, Supplier<String> header) {
        this.out = out;
        this.ui = ui;
        this.header = header;
        this.registry = SchemaRegistries.forTool(dependencies.registry.endpoint().toString());
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, dependencies.kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics()) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::follow, "live-view");
        this.thread.setDaemon(true);
    }

    private static List<String> topics() {
        List<String> topics = new ArrayList<>(List.of(TopicNames.ORG_DNS, TopicNames.ORG_CLUSTERS, TopicNames.CLUSTER_TLS, TopicNames.AUDIT));
        topics.addAll(DEAD_LETTER_TOPICS);
        return topics;
    }

    LiveView start() {
        thread.start();
        return this;
    }

    private void follow() {
        long lastRender = 0;
        try {
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(250))) {
                    apply(record);
                }
                if (ui && System.nanoTime() - lastRender > 1_000_000_000L) {
                    render();
                    lastRender = System.nanoTime();
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        try {
            switch (record.topic()) {
                case TopicNames.ORG_DNS -> put(zones, key, record, OrgDnsState.class);
                case TopicNames.ORG_CLUSTERS -> put(usage, key, record, OrgClusters.class);
                case TopicNames.CLUSTER_TLS -> put(certificates, key, record, ClusterTlsState.class);
                case TopicNames.AUDIT -> {
                    AuditEvent event = new AvroDeserializer<>(AuditEvent.class, registry).deserialize(record.topic(),
                            record.value());
                    synchronized (auditEvents) {
                        auditEvents.add(event);
                    }
                    line(audit, String.format("%s %-19s %-14s %-22s %-34s %s%s", TIME.format(event.getOccurredAt()),
                            event.getService(), event.getAction(), event.getResourceType(),
                            shorten(event.getResourceId(), 34), event.getOutcome(),
                            event.getReason() == null ? "" : " — " + shorten(event.getReason(), 70)));
                }
                default -> line(deadLetters, String.format("%s %-26s %s", failedAt(record), record.topic(),
                        shorten(header(record, DeadLetterPublisher.REASON), 110)));
            }
        } catch (RuntimeException e) {
            line(deadLetters, "(could not show a record of " + record.topic() + ": " + e.getClass().getSimpleName() + ")");
        }
    }

    private <T extends SpecificRecord> void put(Map<String, T> map, String key,
                                                                     ConsumerRecord<byte[], byte[]> record, Class<T> type) {
        if (record.value() == null) {
            map.remove(key);
        } else {
            map.put(key, new AvroDeserializer<>(type, registry).deserialize(record.topic(), record.value()));
        }
    }

    private void line(Deque<String> lines, String line) {
        synchronized (lines) {
            lines.addLast(line);
            while (lines.size() > 200) {
                lines.removeFirst();
            }
        }
        if (!ui) {
            out.println((lines == audit ? "audit  " : "DLQ    ") + line);
        }
    }

    /** Every audit event seen so far (tests and the end-of-run summary). */
    List<AuditEvent> auditEvents() {
        synchronized (auditEvents) {
            return List.copyOf(auditEvents);
        }
    }

    Map<String, OrgDnsState> zones() {
        return Map.copyOf(zones);
    }

    Map<String, ClusterTlsState> certificates() {
        return Map.copyOf(certificates);
    }

    int deadLetterCount() {
        synchronized (deadLetters) {
            return deadLetters.size();
        }
    }

    private void render() {
        StringBuilder screen = new StringBuilder("\033[H\033[2J");
        screen.append(header.get()).append("\n\n");
        screen.append(String.format("%-10s %-34s %-9s %-26s %-30s %s%n", "ORG", "ZONE", "STATUS", "CLUSTERS IN USE",
                "CERTIFICATES (EARLIEST EXPIRY)", "PENDING REAP"));
        TreeSet<String> orgs = new TreeSet<>(zones.keySet());
        orgs.addAll(usage.keySet());
        for (String orgId : orgs) {
            OrgDnsState zone = zones.get(orgId);
            OrgClusters clusters = usage.get(orgId);
            List<ClusterTlsState> certs = certificates.values().stream()
                    .filter(c -> c.getOrgId().equals(orgId)).toList();
            String name = zone != null ? zone.getOrgName() : clusters != null ? clusters.getOrgName() : orgId;
            String expiry = certs.stream().map(ClusterTlsState::getNotAfter).filter(Objects::nonNull)
                    .min(Instant::compareTo).map(i -> i.toString().substring(0, 10)).orElse("");
            screen.append(String.format("%-10s %-34s %-9s %-26s %-30s %s%n", shorten(name, 10),
                    zone == null || zone.getZoneName() == null ? "-" : shorten(zone.getZoneName() + " " + zone.getZoneId(), 34),
                    zone == null ? "-" : zone.getStatus(),
                    clusters == null ? "-" : shorten(clusters.getRunningClusters() + ": " + String.join(",",
                            clusters.getClusterIds()), 26),
                    certs.isEmpty() ? "-" : certs.size() + " (" + expiry + ")",
                    clusters == null || clusters.getPendingReapAt() == null ? "-"
                            : clusters.getPendingReapAt().toString().substring(0, 16)));
        }
        screen.append("\nAUDIT (newest last)\n");
        tail(screen, audit, 14);
        screen.append("\nDEAD LETTERS\n");
        tail(screen, deadLetters, 6);
        out.print(screen);
        out.flush();
    }

    private static void tail(StringBuilder screen, Deque<String> lines, int count) {
        synchronized (lines) {
            List<String> all = new ArrayList<>(lines);
            all.subList(Math.max(0, all.size() - count), all.size()).forEach(l -> screen.append(l).append('\n'));
        }
    }

    /** When the service dead-lettered the record, on its clock (the record's own timestamp is real time). */
    private static String failedAt(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(DeadLetterPublisher.FAILED_AT);
        Instant at = header == null ? Instant.ofEpochMilli(record.timestamp())
                : Instant.parse(new String(header.value(), StandardCharsets.UTF_8));
        return TIME.format(at);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "(no reason)" : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String shorten(String text, int max) {
        if (text == null) {
            return "";
        }
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Counts of what happened, for the last lines of a run. */
    Map<String, Long> summary() {
        Map<String, Long> counts = new TreeMap<>();
        for (AuditEvent event : auditEvents()) {
            counts.merge(event.getAction() + " " + event.getResourceType(), 1L, Long::sum);
        }
        return counts;
    }
}
