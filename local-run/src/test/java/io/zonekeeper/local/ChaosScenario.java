package io.zonekeeper.local;

import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The chaos run's load, from a seed: organizations with two clusters each, every cluster created, run, stopped and
 * run again, and at the end stopped, running or deleted; the events of all clusters interleaved at random, each
 * cluster's in order. What the events imply for the world (the oracle's input) is each cluster's last status.
 */
final class ChaosScenario {

    static final int CLUSTERS_PER_ORG = 2;
    private static final List<ClusterStatus> LAST = List.of(ClusterStatus.RUNNING, ClusterStatus.STOPPED,
            ClusterStatus.DELETED);

    /** One organization: its name and each of its clusters' last status. */
    record Org(String orgId, String orgName, Map<String, ClusterStatus> lastStatus) {
    }

    private final List<Org> orgs = new ArrayList<>();
    private final List<ClusterLifecycleEvent> events = new ArrayList<>();

    ChaosScenario(long seed, int organizations) {
        Random random = new Random(seed);
        List<Deque<ClusterLifecycleEvent>> perCluster = new ArrayList<>();
        for (int o = 0; o < organizations; o++) {
            String orgId = "chaos-org-" + o;
            String orgName = "chaos" + o;
            Map<String, ClusterStatus> last = new LinkedHashMap<>();
            for (int c = 0; c < CLUSTERS_PER_ORG; c++) {
                String clusterId = orgName + "-c" + c;
                ClusterStatus end = LAST.get(random.nextInt(LAST.size()));
                Deque<ClusterLifecycleEvent> sequence = new ArrayDeque<>();
                for (ClusterStatus status : List.of(ClusterStatus.PROVISIONING, ClusterStatus.RUNNING,
                        ClusterStatus.STOPPED, ClusterStatus.RUNNING, end)) {
                    sequence.add(ScenarioDriver.event(orgId, orgName, clusterId, status, Instant.now()));
                }
                perCluster.add(sequence);
                last.put(clusterId, end);
            }
            orgs.add(new Org(orgId, orgName, last));
        }
        while (!perCluster.isEmpty()) {
            int pick = random.nextInt(perCluster.size());
            events.add(perCluster.get(pick).poll());
            if (perCluster.get(pick).isEmpty()) {
                perCluster.remove(pick);
            }
        }
    }

    List<Org> orgs() {
        return orgs;
    }

    List<ClusterLifecycleEvent> events() {
        return events;
    }

    List<String> clusterIds() {
        return orgs.stream().flatMap(o -> o.lastStatus().keySet().stream()).toList();
    }
}
