package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.schemas.AuditOutcome;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A cluster belongs to the first organization that runs it (issue 23): another organization's events that name it,
 * by its id or by its kubeconfig, cannot replace or remove its ExternalDNS, are dead-lettered with the reason and
 * audited as refused, and cost the other organization no zone, user or key.
 */
class ClusterOwnershipTest {

    private final ProvisionerWorld world = new ProvisionerWorld();
    private final String group = "provisioner-" + world.suffix;
    private OrgDnsState acme;

    @BeforeEach
    void acmeRunsC1() {
        world.cluster("c-1");
        world.cluster("bank-1");
        world.startService(group);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        acme = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        world.awaitExternalDns("c-1");
    }

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void anotherOrganizationsClusterWithThatKubeconfigDoesNotReplaceItsExternalDns() {
        world.aws.resetCounts();
        world.emit(withKubeconfig(ProvisionerWorld.event("org-2", "bank", "bank-1", ClusterStatus.RUNNING), "c-1"));
        world.awaitQuiet(group);

        assertThat(reasons()).singleElement().asString().contains(
                "kubeconfig at 'clusters/c-1/kubeconfig' belongs to cluster 'c-1' of organization 'org-1'");
        assertAcmeUntouched();
        assertThat(world.orgStates()).as("nothing of bank's made").doesNotContainKey("org-2");
        assertThat(world.route53Calls() + world.iamCalls().size()).as("no AWS call for a refused cluster").isZero();
        assertThat(refusedAuditsOf("org-2")).hasSize(1);
    }

    @Test
    void anotherOrganizationsEventsForTheClusterIdAreRefused() {
        world.emit(withKubeconfig(ProvisionerWorld.event("org-2", "bank", "c-1", ClusterStatus.RUNNING), "bank-1"));
        world.emit(ProvisionerWorld.event("org-2", "bank", "c-1", ClusterStatus.STOPPED));
        world.awaitQuiet(group);

        assertThat(reasons()).hasSize(2).allSatisfy(r -> assertThat(r)
                .contains("cluster 'c-1' belongs to organization 'org-1'"));
        assertAcmeUntouched();
        try (var admin = world.clusters.get("bank-1").adminClient()) {
            assertThat(admin.apps().deployments().inNamespace("external-dns").withName("external-dns").get()).isNull();
        }
    }

    @Test
    void aStrangerWithNoStateCannotDeleteTheCluster() {
        world.emit(ProvisionerWorld.event("org-3", "carol", "c-1", ClusterStatus.DELETED));
        world.awaitQuiet(group);

        assertThat(reasons()).singleElement().asString().contains("cluster 'c-1' belongs to organization 'org-1'");
        assertAcmeUntouched();
    }

    @Test
    void theIdIsFreeAgainOnceItsOwnerDeletedTheCluster() {
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.DELETED));
        // The two organizations' events sit in different partitions: bank's must come after acme's deletion is done.
        await().atMost(Duration.ofSeconds(30)).until(() -> world.vault.read(
                VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX + "/clusters/c-1").isEmpty());
        world.emit(ProvisionerWorld.event("org-2", "bank", "c-1", ClusterStatus.RUNNING));
        OrgDnsState bank = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY);

        await().atMost(Duration.ofSeconds(30)).until(() -> bank.getZoneId().equals(world.zoneFilterInCluster("c-1")));
        assertThat(world.keyInCluster("c-1")).isEqualTo(bank.getAccessKeyId());
        assertThat(world.deadLetters()).isEmpty();
    }

    @Test
    void aReplayFromTheStartWithANewGroupDecidesTheSameWay() {
        world.emit(withKubeconfig(ProvisionerWorld.event("org-2", "bank", "bank-1", ClusterStatus.RUNNING), "c-1"));
        world.emit(ProvisionerWorld.event("org-3", "carol", "c-1", ClusterStatus.DELETED));
        world.awaitQuiet(group);
        world.stop(world.services().get(0));
        world.aws.resetCounts();

        String replay = "provisioner-replay-" + world.suffix;
        world.startService(replay);
        world.awaitQuiet(replay);

        assertThat(reasons()).hasSize(4);
        assertAcmeUntouched();
        assertThat(world.mutatingAwsCalls()).isZero();
    }

    private void assertAcmeUntouched() {
        assertThat(world.zoneFilterInCluster("c-1")).isEqualTo(acme.getZoneId());
        assertThat(world.keyInCluster("c-1")).isEqualTo(acme.getAccessKeyId());
        OrgDnsState now = world.orgStates().get("org-1");
        assertThat(now.getClusters()).singleElement().satisfies(c -> {
            assertThat(c.getClusterId()).isEqualTo("c-1");
            assertThat(c.getRunning()).isTrue();
        });
    }

    private static ClusterLifecycleEvent withKubeconfig(ClusterLifecycleEvent event, String ofCluster) {
        return ClusterLifecycleEvent.newBuilder(event).setKubeconfigVaultPath(ProvisionerWorld.kubeconfigPath(ofCluster))
                .build();
    }

    private List<String> reasons() {
        return world.deadLetters().stream().map(r -> {
            var header = r.headers().lastHeader(DeadLetterPublisher.REASON);
            return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
        }).toList();
    }

    private List<io.zonekeeper.schemas.AuditEvent> refusedAuditsOf(String orgId) {
        return world.audits().stream().filter(a -> orgId.equals(a.getOrgId())
                && a.getOutcome() == AuditOutcome.REFUSED).toList();
    }
}
