package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.schemas.AuditOutcome;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgCluster;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;

/**
 * A key or a zone that changes reaches every running cluster of the organization, not only the one whose event
 * caused it, and a key is deleted only once no running cluster uses it.
 */
class KeyAndZoneRolloutTest {

    private static final List<String> CLUSTERS = List.of("c-1", "c-2", "c-3", "c-4", "c-5");

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    private OrgDnsState fiveRunningClusters() {
        CLUSTERS.forEach(world::cluster);
        world.startService("provisioner-" + world.suffix);
        CLUSTERS.forEach(c -> world.emit(ProvisionerWorld.event("org-1", "acme", c, ClusterStatus.RUNNING)));
        return world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY && s.getClusters().size() == 5);
    }

    @Test
    void aReplacedKeyReachesEveryRunningClusterBeforeTheOldOneIsDeleted() {
        OrgDnsState before = fiveRunningClusters();
        String oldKey = before.getAccessKeyId();
        CLUSTERS.forEach(c -> assertThat(world.keyInCluster(c)).isEqualTo(oldKey));
        // The stored key no longer matches IAM (a backup restored over it): the next event needs a new key.
        world.vault.write(before.getCredentialsVaultPath(), Map.of("accessKeyId", "AKIARESTOREDFROMBACKUP",
                "secretAccessKey", "not-a-real-secret"));
        world.cluster("c-6");

        world.emit(ProvisionerWorld.event("org-1", "acme", "c-6", ClusterStatus.RUNNING));

        OrgDnsState after = world.awaitState("org-1", s -> s.getClusters().size() == 6);
        String newKey = after.getAccessKeyId();
        assertThat(newKey).isNotEqualTo(oldKey);
        for (String cluster : List.of("c-1", "c-2", "c-3", "c-4", "c-5", "c-6")) {
            assertThat(world.keyInCluster(cluster)).as(cluster).isEqualTo(newKey);
        }
        assertThat(after.getClusters()).allSatisfy(c -> {
            assertThat(c.getAccessKeyId()).isEqualTo(newKey);
            assertThat(c.getLastError()).isNull();
        });
        assertThat(keysInIam(after)).containsExactly(newKey);
    }

    @Test
    void aZoneRecreatedByAReconcileIsRolledOutToEveryRunningCluster() {
        OrgDnsState before = fiveRunningClusters();
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-5", ClusterStatus.STOPPED));
        world.awaitState("org-1", s -> s.getClusters().stream().anyMatch(c -> !c.getRunning()));
        // Someone deletes the zone behind Zonekeeper's back.
        world.route53.deleteHostedZone(r -> r.id(before.getZoneId()));

        world.reconcile("org-1");

        OrgDnsState after = world.awaitState("org-1", s -> !s.getZoneId().equals(before.getZoneId()));
        for (String cluster : List.of("c-1", "c-2", "c-3", "c-4")) {
            assertThat(world.zoneFilterInCluster(cluster)).as(cluster).isEqualTo(after.getZoneId());
        }
        assertThat(world.zoneFilterInCluster("c-5")).as("stopped: brought up to date when it runs again")
                .isEqualTo(before.getZoneId());

        world.emit(ProvisionerWorld.event("org-1", "acme", "c-5", ClusterStatus.RUNNING));
        await().atMost(Duration.ofSeconds(60)).until(() -> world.zoneFilterInCluster("c-5").equals(after.getZoneId()));
    }

    @Test
    void anUnreachableClusterKeepsItsKeyUntilItHasMovedOrIsGone() {
        OrgDnsState before = fiveRunningClusters();
        String oldKey = before.getAccessKeyId();
        world.clusters.get("c-3").stop();
        world.vault.write(before.getCredentialsVaultPath(), Map.of("accessKeyId", "AKIARESTOREDFROMBACKUP",
                "secretAccessKey", "not-a-real-secret"));

        world.reconcile("org-1");

        OrgDnsState after = world.awaitState("org-1", s -> !s.getAccessKeyId().equals(oldKey));
        OrgCluster unreachable = after.getClusters().stream().filter(c -> c.getClusterId().equals("c-3")).findFirst()
                .orElseThrow();
        assertThat(unreachable.getAccessKeyId()).isEqualTo(oldKey);
        assertThat(unreachable.getLastError()).isNotBlank();
        assertThat(keysInIam(after)).as("the old key stays while c-3 may still use it")
                .containsExactlyInAnyOrder(oldKey, after.getAccessKeyId());
        for (String cluster : List.of("c-1", "c-2", "c-4", "c-5")) {
            assertThat(world.keyInCluster(cluster)).as(cluster).isEqualTo(after.getAccessKeyId());
        }
        assertThat(world.audits()).anySatisfy(e -> {
            assertThat(e.getOutcome()).isEqualTo(AuditOutcome.FAILED);
            assertThat(e.getResourceType()).isEqualTo(ResourceType.EXTERNAL_DNS);
            assertThat(e.getClusterId()).isEqualTo("c-3");
        });
        assertThat(world.deadLetters()).isEmpty();

        // The cluster is deleted for good; the next reconcile finds no running cluster on the old key.
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-3", ClusterStatus.DELETED));
        world.awaitState("org-1", s -> s.getClusters().size() == 4);
        world.reconcile("org-1");
        await().atMost(Duration.ofSeconds(60)).until(() -> keysInIam(after).equals(List.of(after.getAccessKeyId())));
    }

    private List<String> keysInIam(OrgDnsState state) {
        return world.iam.listAccessKeys(r -> r.userName(state.getIamUserName())).accessKeyMetadata().stream()
                .map(AccessKeyMetadata::accessKeyId).toList();
    }
}
