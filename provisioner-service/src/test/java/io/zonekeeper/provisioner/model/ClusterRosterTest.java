package io.zonekeeper.provisioner.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.schemas.OrgCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterRosterTest {

    private static final FleetPolling ONE_MINUTE = new FleetPolling(Duration.ofMinutes(1));

    @Test
    void aConfiguredClusterReplacesItsEntryAndTheRosterStaysSortedById() {
        var roster = ClusterRoster.configured(List.of(), "c-2", "k/c-2", "K1", "Z1", ONE_MINUTE);
        roster = ClusterRoster.configured(roster, "c-1", "k/c-1", "K1", "Z1", ONE_MINUTE);
        roster = ClusterRoster.configured(roster, "c-2", "k/c-2", "K2", "Z1", ONE_MINUTE);

        assertThat(roster).extracting(OrgCluster::getClusterId).containsExactly("c-1", "c-2");
        assertThat(roster.get(1).getAccessKeyId()).isEqualTo("K2");
    }

    @Test
    void aStoppedClusterKeepsWhatItHasAndIsNeverBehind() {
        var roster = ClusterRoster.configured(List.of(), "c-1", "k/c-1", "K1", "Z1", ONE_MINUTE);
        roster = ClusterRoster.stopped(roster, "c-1");

        assertThat(roster.get(0).getRunning()).isFalse();
        assertThat(roster.get(0).getAccessKeyId()).isEqualTo("K1");
        assertThat(ClusterRoster.isBehind(roster.get(0), "K2", "Z2", ONE_MINUTE)).isFalse();
        assertThat(ClusterRoster.keysInUse(roster, "K2")).isEmpty();
    }

    @Test
    void aClusterFirstSeenStoppedIsNotAddedForNothingOfTheOrganizationsIsInIt() {
        var known = ClusterRoster.configured(List.of(), "c-1", "k/c-1", "K1", "Z1", ONE_MINUTE);

        assertThat(ClusterRoster.stopped(List.of(), "c-9")).isEmpty();
        assertThat(ClusterRoster.stopped(known, "c-9")).isEqualTo(known);
    }

    @Test
    void runningClustersOnAnotherKeyOrZoneOrWithAFailedRolloutAreBehind() {
        var roster = ClusterRoster.configured(List.of(), "c-1", "k/c-1", "K1", "Z1", ONE_MINUTE);
        roster = ClusterRoster.configured(roster, "c-2", "k/c-2", "K2", "Z1", ONE_MINUTE);
        var failed = OrgCluster.newBuilder(ClusterRoster.configured(List.of(), "c-3", "k/c-3", "K2", "Z1", ONE_MINUTE).get(0))
                .setLastError("ConnectException: refused").build();

        assertThat(ClusterRoster.isBehind(roster.get(0), "K2", "Z1", ONE_MINUTE)).isTrue();
        assertThat(ClusterRoster.isBehind(roster.get(1), "K2", "Z1", ONE_MINUTE)).isFalse();
        assertThat(ClusterRoster.isBehind(roster.get(1), "K2", "Z2", ONE_MINUTE)).isTrue();
        assertThat(ClusterRoster.isBehind(failed, "K2", "Z1", ONE_MINUTE)).isTrue();
        assertThat(ClusterRoster.keysInUse(roster, "K2")).containsExactly("K1");
    }

    @Test
    void aRunningClusterPollingMoreOftenThanTheFleetIsBehindAndOneDeployedBeforeIntervalsWereRecordedPollsEveryFiveMinutes() {
        var roster = ClusterRoster.configured(List.of(), "c-1", "k/c-1", "K1", "Z1", ONE_MINUTE);
        var legacy = OrgCluster.newBuilder(roster.get(0)).setExternalDnsIntervalSeconds(null).build();

        assertThat(roster.get(0).getExternalDnsIntervalSeconds()).isEqualTo(60);
        assertThat(ClusterRoster.isBehind(roster.get(0), "K1", "Z1", new FleetPolling(Duration.ofMinutes(2)))).isTrue();
        assertThat(ClusterRoster.isBehind(roster.get(0), "K1", "Z1", ONE_MINUTE)).isFalse();
        assertThat(ClusterRoster.interval(legacy)).isEqualTo(Duration.ofMinutes(5));
        assertThat(ClusterRoster.isBehind(legacy, "K1", "Z1", new FleetPolling(Duration.ofMinutes(4)))).isFalse();
        assertThat(ClusterRoster.isBehind(legacy, "K1", "Z1", new FleetPolling(Duration.ofMinutes(8)))).isTrue();
    }

    @Test
    void aDeletedClusterLeavesTheRoster() {
        var roster = ClusterRoster.configured(List.of(), "c-1", "k/c-1", "K1", "Z1", ONE_MINUTE);

        assertThat(ClusterRoster.deleted(roster, "c-1")).isEmpty();
        assertThat(ClusterRoster.deleted(roster, "c-2")).hasSize(1);
    }
}
