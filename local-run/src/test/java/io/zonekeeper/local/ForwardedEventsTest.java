package io.zonekeeper.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** The chaos run's ingress check finds each way a forwarded event can be wrong. */
class ForwardedEventsTest {

    private static final int PARTITIONS = 3;
    private final Map<String, ClusterLifecycleEvent> byValue = new HashMap<>();
    private final ForwardedEvents ledger = new ForwardedEvents();
    private final ClusterLifecycleEvent first = event("org-1");
    private final ClusterLifecycleEvent second = event("org-1");
    private final ClusterLifecycleEvent other = event("org-2");

    ForwardedEventsTest() {
        List.of(first, second, other).forEach(ledger::acknowledged);
    }

    @Test
    void eachAcknowledgedEventOnceInItsPartitionAndOrderIsRight() {
        assertThat(problems(forwarded(first), forwarded(second), forwarded(other))).isEmpty();
    }

    @Test
    void aLostATwiceForwardedAMisplacedAndAReorderedEventAreEachNamed() {
        assertThat(problems(forwarded(first), forwarded(first), forwarded(second))).containsExactly(
                "event " + first.getEventId() + " of org-1 forwarded twice",
                "org-2: 1 acknowledged events never forwarded: [" + other.getEventId() + "]");
        assertThat(problems(forwarded(second), forwarded(first), record(other, partition("org-2") + 1)))
                .containsExactly("event " + other.getEventId() + " of org-2 forwarded to partition "
                        + (partition("org-2") + 1) + ", not " + partition("org-2"),
                        "org-1: forwarded out of the order sent");
    }

    @SafeVarargs
    private List<String> problems(ConsumerRecord<byte[], byte[]>... records) {
        return ledger.problems(List.of(records), r -> byValue.get(new String(r.value(), StandardCharsets.UTF_8)),
                PARTITIONS);
    }

    private ConsumerRecord<byte[], byte[]> forwarded(ClusterLifecycleEvent event) {
        return record(event, partition(event.getOrgId()));
    }

    private ConsumerRecord<byte[], byte[]> record(ClusterLifecycleEvent event, int partition) {
        String value = event.getEventId().toString();
        byValue.put(value, event);
        return new ConsumerRecord<>("cluster.lifecycle.by-org.v1", partition, 0, event.getOrgId().getBytes(
                StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    private static int partition(String orgId) {
        return Utils.toPositive(Utils.murmur2(orgId.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    private static ClusterLifecycleEvent event(String orgId) {
        return ClusterLifecycleEvent.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(Instant.EPOCH)
                .setOrgId(orgId).setOrgName("acme").setClusterId("c-1").setClusterName("c1")
                .setStatus(ClusterStatus.RUNNING).setCloud("amazon").setRegion("eu-west-1")
                .setKubeconfigVaultPath("clusters/c-1/kubeconfig").build();
    }
}
