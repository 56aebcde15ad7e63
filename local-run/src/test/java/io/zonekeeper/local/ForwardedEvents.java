package io.zonekeeper.local;

import io.zonekeeper.schemas.ClusterLifecycleEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;

/**
 * Kafka's own end check of the chaos run: every lifecycle event the upstream had acknowledged is in the
 * by-organization topic exactly once, in its organization's partition (the one Kafka's Java client gives its key),
 * in the order the upstream sent it — through Kafka nodes killed, a service black-holed and the ingress transactions
 * that the faults aborted. The upstream's acknowledgements are recorded as they come: a producer calls back in send
 * order within a partition, and an organization's events share one.
 */
final class ForwardedEvents {

    private final Map<String, List<String>> acknowledged = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();

    void acknowledged(ClusterLifecycleEvent event) {
        acknowledged.computeIfAbsent(event.getOrgId(), org -> Collections.synchronizedList(new ArrayList<>()))
                .add(event.getEventId().toString());
        count.incrementAndGet();
    }

    /** How many events the upstream's broker acknowledged. */
    int count() {
        return count.get();
    }

    /** What differs: an event lost, forwarded twice, to another partition, or out of its organization's order. */
    List<String> problems(List<ConsumerRecord<byte[], byte[]>> byOrg,
                          Function<ConsumerRecord<byte[], byte[]>, ClusterLifecycleEvent> events, int partitions) {
        List<String> problems = new ArrayList<>();
        Map<String, List<String>> forwarded = new LinkedHashMap<>();
        Map<String, Integer> copies = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : byOrg) {
            ClusterLifecycleEvent event = events.apply(record);
            String eventId = event.getEventId().toString();
            int expected = Utils.toPositive(Utils.murmur2(event.getOrgId().getBytes(StandardCharsets.UTF_8)))
                    % partitions;
            if (record.partition() != expected) {
                problems.add("event " + eventId + " of " + event.getOrgId() + " forwarded to partition "
                        + record.partition() + ", not " + expected);
            }
            if (copies.merge(eventId, 1, Integer::sum) == 2) {
                problems.add("event " + eventId + " of " + event.getOrgId() + " forwarded twice");
            }
            forwarded.computeIfAbsent(event.getOrgId(), org -> new ArrayList<>()).add(eventId);
        }
        acknowledged.forEach((orgId, sent) -> {
            List<String> seen = forwarded.getOrDefault(orgId, List.of()).stream().distinct()
                    .filter(sent::contains).toList();
            List<String> lost = sent.stream().filter(id -> !copies.containsKey(id)).toList();
            if (!lost.isEmpty()) {
                problems.add(orgId + ": " + lost.size() + " acknowledged events never forwarded: " + lost);
            } else if (!seen.equals(sent)) {
                problems.add(orgId + ": forwarded out of the order sent");
            }
        });
        return problems;
    }
}
