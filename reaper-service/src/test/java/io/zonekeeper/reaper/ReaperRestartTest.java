package io.zonekeeper.reaper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgClusters;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Exactly-once on the real broker: counts and pending reaps survive a restart onto an empty state directory. */
class ReaperRestartTest {

    private final ReaperWorld world = new ReaperWorld();

    @AfterEach
    void stop() {
        world.close();
    }

    @Test
    void countsAndPendingReapsSurviveARestartOntoAnEmptyStateDirectory() {
        Instant now = world.clock.instant();
        world.zone("org-1", "acme", "Z1", now.minus(Duration.ofDays(10)));

        ReaperService first = world.start(Map.of());
        world.emit("org-1", "acme", "c-1", ClusterStatus.RUNNING, now.minusSeconds(60));
        world.emit("org-1", "acme", "c-2", ClusterStatus.RUNNING, now.minusSeconds(50));
        world.emit("org-1", "acme", "c-1", ClusterStatus.STOPPED, now.minusSeconds(40));
        world.emit("org-1", "acme", "c-2", ClusterStatus.STOPPED, now.minusSeconds(30));
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            OrgClusters latest = world.latestOrgClusters();
            return latest != null && latest.getRunningClusters() == 0 && latest.getPendingReapAt() != null;
        });
        world.stop(first);

        world.start(Map.of());
        // c-1's RUNNING, older than its STOPPED, must stay ignored after the restart; c-3 is new.
        world.emit("org-1", "acme", "c-1", ClusterStatus.RUNNING, now.minusSeconds(45));
        world.emit("org-1", "acme", "c-3", ClusterStatus.RUNNING, now.minusSeconds(10));

        await().atMost(Duration.ofSeconds(60)).until(() -> {
            OrgClusters latest = world.latestOrgClusters();
            return latest != null && latest.getClusterIds().contains("c-3");
        });
        OrgClusters latest = world.latestOrgClusters();
        assertThat(latest.getClusterIds()).containsExactly("c-3");
        assertThat(latest.getPendingReapAt()).isNull();
        await().atMost(Duration.ofSeconds(30)).until(() -> world.auditActions().contains(AuditAction.REAP_CANCELLED));
        assertThat(world.auditActions()).containsExactly(AuditAction.REAP_SCHEDULED, AuditAction.REAP_CANCELLED);
        assertThat(world.reapCommands()).isEmpty();
    }
}
