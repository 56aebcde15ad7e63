package io.zonekeeper.reaper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The position a usage keeps for the reap fence: the newest within one topic and partition, never across them. */
class OrgUsageTest {

    private static final String BY_ORG = "cluster.lifecycle.by-org.v1";

    @Test
    void withinOneTopicThePositionOnlyMovesForward() {
        OrgUsage usage = OrgUsage.empty("acme").apply("c-1", 1_000, true, "acme", BY_ORG, 2, 40);
        OrgUsage late = usage.apply("c-1", 500, false, "acme", BY_ORG, 2, 30);
        assertThat(late.offset()).isEqualTo(40);
        assertThat(late.using()).containsExactly("c-1");
    }

    @Test
    void aUsageStoredBeforeTheIngressTakesTheFirstPositionInTheNewTopic() {
        // Stored by a release that read the upstream's topic: its offsets count there, where they ran far ahead.
        OrgUsage legacy = new OrgUsage("acme", Map.of("c-1", new OrgUsage.ClusterUse(1_000, true)), 1_000, null, 2,
                5_000);
        OrgUsage next = legacy.apply("c-1", 2_000, false, "acme", BY_ORG, 2, 7);
        // Kept at 5,000 a command would carry a position the provisioner never reaches in the new topic, and wait.
        assertThat(next.topic()).isEqualTo(BY_ORG);
        assertThat(next.offset()).isEqualTo(7);
        assertThat(next.using()).isEmpty();
    }
}
