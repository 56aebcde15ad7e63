package io.zonekeeper.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.cert.model.TlsMaterial;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.schemas.AuditOutcome;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.ClusterTlsState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A cluster belongs to the first organization that runs it (issue 23): another organization's lifecycle events and
 * requests that name it, by its id or by its kubeconfig, take nothing of its certificates, are dead-lettered with
 * the reason and audited as refused; and its id is free again once its owner deleted it.
 */
class ClusterOwnershipTest {

    private final CertWorld world = new CertWorld();
    private final String group = "cert-" + world.suffix;
    private ClusterTlsState acmeServer;
    private ClusterTlsState acmeMysql;

    @BeforeEach
    void acmeRunsC1WithADatabaseCertificate() {
        world.cluster("c-1");
        world.cluster("bank-1");
        world.startService(group);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        acmeServer = world.awaitState("c-1", "server", s -> true);
        world.request("org-1", "c-1", "mysql", "mysql.prod.acme.zk.example");
        acmeMysql = world.awaitState("c-1", "mysql", s -> true);
    }

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void anotherOrganizationsEventForTheClusterIdTakesNoneOfItsCertificates() {
        // bank runs "c-1" with a kubeconfig of its own: the id is acme's.
        world.emit(withKubeconfig(world.event("org-2", "bank", "c-1", "prod", ClusterStatus.RUNNING), "bank-1"));
        world.emit(world.event("org-2", "bank", "c-1", "prod", ClusterStatus.STOPPED));
        world.request("org-2", "c-1", "steal", "mysql.prod.bank.zk.example");
        world.awaitConsumed(group, world.lifecycleTopic);
        world.awaitConsumed(group, world.requestsTopic);

        assertThat(reasons(world.lifecycleTopic, 2)).allSatisfy(r -> assertThat(r)
                .contains("cluster 'c-1' belongs to organization 'org-1'", "organization 'org-2' may not act on it"));
        assertThat(reasons(world.requestsTopic, 1)).singleElement().asString()
                .contains("cluster 'c-1' belongs to organization 'org-1'");
        assertThat(refusedAuditsOf("org-2")).hasSize(3);
        assertUntouched();
        assertThat(world.vault.read("zonekeeper/tls/org-2/ca")).as("no CA made for a refused cluster").isEmpty();
        assertThat(world.secretIn("bank-1", "zonekeeper-tls")).isEmpty();

        // acme's own work goes on: a routine reconcile and a new request for its cluster.
        world.reconcile("org-1");
        world.request("org-1", "c-1", "api", "api.prod.acme.zk.example");
        world.awaitSecret("c-1", "api-tls", s -> true);
        assertThat(world.states().get("org-1/c-1/server").getOrgId()).isEqualTo("org-1");
    }

    @Test
    void aKubeconfigOfAnotherOrganizationsClusterIsRefused() {
        world.emit(withKubeconfig(world.event("org-2", "bank", "bank-9", "prod", ClusterStatus.RUNNING), "c-1"));
        world.awaitConsumed(group, world.lifecycleTopic);

        assertThat(reasons(world.lifecycleTopic, 1)).singleElement().asString()
                .contains("kubeconfig at 'clusters/c-1/kubeconfig' belongs to cluster 'c-1' of organization 'org-1'");
        assertUntouched();
        assertThat(world.states()).doesNotContainKey("org-2/bank-9/server");
    }

    @Test
    void aStrangersDeletionOfTheClusterRemovesNothing() {
        world.emit(world.event("org-3", "carol", "c-1", "prod", ClusterStatus.DELETED));
        world.awaitConsumed(group, world.lifecycleTopic);

        assertThat(reasons(world.lifecycleTopic, 1)).singleElement().asString()
                .contains("cluster 'c-1' belongs to organization 'org-1'");
        assertUntouched();
    }

    @Test
    void theIdIsFreeAgainOnceItsOwnerDeletedTheCluster() {
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.DELETED));
        // The two organizations' events sit in different partitions: bank's must come after acme's deletion is done.
        await().atMost(Duration.ofSeconds(30)).until(() -> world.vault.read(
                VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX + "/clusters/c-1").isEmpty());
        assertThat(world.secretIn("c-1", "zonekeeper-tls")).isEmpty();
        world.emit(world.event("org-2", "bank", "c-1", "prod", ClusterStatus.RUNNING));

        TlsMaterial bank = world.awaitSecret("c-1", "zonekeeper-tls",
                s -> io.zonekeeper.cert.model.Certificates.dnsNames(s.leaf()).contains("prod.bank.zk.example"));
        assertThat(world.states()).containsEntry("org-1/c-1/server", null).containsEntry("org-1/c-1/mysql", null);
        assertThat(world.states().get("org-2/c-1/server").getCaSerial()).as("signed by bank's CA")
                .isNotEqualTo(acmeServer.getCaSerial());
        assertThat(world.deadLetters(world.lifecycleTopic)).isEmpty();
    }

    @Test
    void aClaimMadeBeforeARestartIsKeptAndHonoured() {
        // The claim is durable in Vault: a new instance, or a replay from the start, decides the same way.
        world.stop(world.services().get(0));
        world.startService("cert-replay-" + world.suffix);
        world.emit(world.event("org-2", "bank", "c-1", "prod", ClusterStatus.RUNNING));
        world.awaitConsumed("cert-replay-" + world.suffix, world.lifecycleTopic);
        assertThat(reasons(world.lifecycleTopic, 1)).singleElement().asString()
                .contains("belongs to organization 'org-1'");
        assertUntouched();
    }

    @Test
    void aStateUnderTheKeyOfEarlierReleasesIsReadAsItsOrganizationsAndMoved() {
        ClusterTlsState legacy = ClusterTlsState.newBuilder(acmeServer).build();
        world.send(world.tlsTopic, "c-1/server", legacy);
        world.sendRaw(world.tlsTopic, "org-1/c-1/server", null);
        world.stop(world.services().get(0));
        world.startService(group);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));

        await().atMost(Duration.ofSeconds(30)).until(() -> world.states().get("org-1/c-1/server") != null
                && world.states().containsKey("c-1/server") && world.states().get("c-1/server") == null);
        assertThat(world.states().get("org-1/c-1/server").getCertificateSerial())
                .as("the same certificate, not a new one").isEqualTo(acmeServer.getCertificateSerial());
    }

    /** acme's certificates are as they were: states, Vault and the Secrets in its cluster. */
    private void assertUntouched() {
        ClusterTlsState server = world.states().get("org-1/c-1/server");
        ClusterTlsState mysql = world.states().get("org-1/c-1/mysql");
        assertThat(server.getCertificateSerial()).isEqualTo(acmeServer.getCertificateSerial());
        assertThat(mysql.getCertificateSerial()).isEqualTo(acmeMysql.getCertificateSerial());
        assertThat(mysql.getKubeconfigVaultPath()).isEqualTo(CertWorld.kubeconfigPath("c-1"));
        assertThat(world.states().keySet()).noneMatch(k -> k.startsWith("org-2/c-1/") || k.startsWith("org-3/"));
        assertThat(world.secretIn("c-1", "mysql-tls").map(CertWorld::serialOf)).contains(acmeMysql.getCertificateSerial());
        assertThat(world.secretIn("c-1", "zonekeeper-tls").map(CertWorld::serialOf))
                .contains(acmeServer.getCertificateSerial());
        assertThat(world.vault.read("zonekeeper/tls/org-1/clusters/c-1/mysql")).isPresent();
        assertThat(world.vault.read(VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX + "/clusters/c-1").orElseThrow())
                .containsEntry("orgId", "org-1");
    }

    private static ClusterLifecycleEvent withKubeconfig(ClusterLifecycleEvent event, String ofCluster) {
        return ClusterLifecycleEvent.newBuilder(event).setKubeconfigVaultPath(CertWorld.kubeconfigPath(ofCluster)).build();
    }

    private List<String> reasons(String topic, int expected) {
        await().atMost(Duration.ofSeconds(30)).until(() -> world.deadLetters(topic).size() >= expected);
        return world.deadLetters(topic).stream().map(ClusterOwnershipTest::reason).toList();
    }

    private List<io.zonekeeper.schemas.AuditEvent> refusedAuditsOf(String orgId) {
        return world.audits().stream().filter(a -> orgId.equals(a.getOrgId())
                && a.getOutcome() == AuditOutcome.REFUSED).toList();
    }

    private static String reason(ConsumerRecord<byte[], byte[]> record) {
        var header = record.headers().lastHeader(DeadLetterPublisher.REASON);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
