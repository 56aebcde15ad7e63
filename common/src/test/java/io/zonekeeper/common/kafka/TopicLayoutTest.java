package io.zonekeeper.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicLayoutTest {

    private static final KafkaAccess.Names NAMES = KafkaAccess.Names.defaults();
    private final TopicLayout layout = TopicLayout.of(NAMES, 6);

    @Test
    void everyTopicKeyedByOrganizationHasTheSamePartitionsAndOnlyStatesAreCompacted() {
        assertThat(layout.topics()).hasSize(16);
        assertThat(layout.topics()).filteredOn(t -> !t.name().endsWith(".dlq"))
                .allSatisfy(t -> assertThat(t.partitions()).isEqualTo(6));
        assertThat(layout.topics()).filteredOn(t -> t.name().endsWith(".dlq"))
                .hasSize(5).allSatisfy(t -> assertThat(t.partitions()).isEqualTo(1));
        assertThat(layout.topics()).filteredOn(TopicLayout.Topic::compacted).extracting(TopicLayout.Topic::name)
                .containsExactlyInAnyOrder(NAMES.orgDns(), NAMES.clusterTls(), NAMES.orgClusters());
    }

    @Test
    void whatExistsAsTheLayoutSaysHasNoProblem() {
        assertThat(layout.problems(asLaidOut())).isEmpty();
    }

    @Test
    void aMissingTopicAWrongCountAWrongCleanupPolicyAndALateCompactionAreEachNamed() {
        Map<String, TopicLayout.Existing> existing = asLaidOut();
        existing.remove(NAMES.audit());
        existing.put(NAMES.reap(), new TopicLayout.Existing(3, "delete", Long.MAX_VALUE));
        existing.put(NAMES.orgDns(), new TopicLayout.Existing(6, "delete", Long.MAX_VALUE));
        existing.put(NAMES.clusterTls(), new TopicLayout.Existing(6, "compact", Long.MAX_VALUE));
        existing.put(NAMES.lifecycle(), new TopicLayout.Existing(6, "compact", Long.MAX_VALUE));

        assertThat(layout.problems(existing)).containsExactlyInAnyOrder(
                "audit.v1 is missing",
                "zone.reap.v1 has 3 partitions, not 6: every topic keyed by organization needs the same count",
                "org.dns.v1 is not compacted (cleanup.policy=delete): a state topic keeps one record per key",
                "cluster.tls.v1 has no max.compaction.lag.ms: its newest states stay uncompacted until its segment"
                        + " rolls (seven days by default), and every restart reads them all; --create sets 3600000",
                "cluster.lifecycle.v1 is compacted: it would lose records that are not states");
    }

    private Map<String, TopicLayout.Existing> asLaidOut() {
        Map<String, TopicLayout.Existing> existing = new HashMap<>();
        layout.topics().forEach(t -> existing.put(t.name(),
                new TopicLayout.Existing(t.partitions(), t.compacted() ? "compact" : "delete",
                        Long.parseLong(t.configs().getOrDefault("max.compaction.lag.ms",
                                Long.toString(Long.MAX_VALUE))))));
        return existing;
    }
}
