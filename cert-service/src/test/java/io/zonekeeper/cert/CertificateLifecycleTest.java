package io.zonekeeper.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.cert.model.Certificates;
import io.zonekeeper.cert.model.TlsMaterial;
import io.zonekeeper.cert.model.TlsProbe;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.ResourceType;
import io.zonekeeper.schemas.TlsStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A cluster's certificate from its first event to its deletion, through the real broker, Vault and cluster API. */
class CertificateLifecycleTest {

    private final CertWorld world = new CertWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void runningClusterGetsACertificateForItsNamesInVaultAndInTheCluster() throws Exception {
        world.cluster("c-1");
        world.startService("cert-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));

        ClusterTlsState state = world.awaitState("c-1", "server", s -> s.getStatus() == TlsStatus.ISSUED);
        TlsMaterial secret = world.awaitSecret("c-1", "zonekeeper-tls", s -> true);

        assertThat(state.getDnsNames()).containsExactly("prod.acme.zk.example", "*.prod.acme.zk.example");
        assertThat(state.getCertificateSerial()).isEqualTo(CertWorld.serialOf(secret));
        assertThat(state.getSecretRef()).isEqualTo("zonekeeper/zonekeeper-tls");
        assertThat(state.getVaultPath()).isEqualTo("zonekeeper/tls/org-1/clusters/c-1/server");
        assertThat(state.getRenewAt()).isAfter(state.getNotBefore()).isBefore(state.getNotAfter());
        var chain = io.zonekeeper.cert.model.Pem.parseCertificates(secret.certificateChain());
        assertThat(chain).hasSize(2);
        assertThat(Certificates.serialHex(chain.get(1))).isEqualTo(state.getCaSerial());
        assertThat(CertWorld.bundle(secret)).containsExactly(chain.get(1));
        assertThat(world.vault.read("zonekeeper/tls/org-1/clusters/c-1/server").orElseThrow())
                .containsEntry("tls.crt", secret.certificateChain()).containsEntry("ca.crt", secret.caBundle());
        assertThat(world.vault.read("zonekeeper/tls/org-1/ca").orElseThrow()).containsKey("privateKey");

        try (TlsProbe.Server server = TlsProbe.serve(secret)) {
            TlsProbe.connect(server.port(), "grafana.prod.acme.zk.example", secret.caBundle(), world.clock.instant());
            assertThat(TlsProbe.handshakes(server.port(), "grafana.staging.acme.zk.example", secret.caBundle(), world.clock.instant())).isFalse();
        }

        List<AuditEvent> audits = world.audits();
        assertThat(audits).extracting(AuditEvent::getAction, AuditEvent::getResourceType)
                .contains(org.assertj.core.groups.Tuple.tuple(AuditAction.CREATED, ResourceType.CERTIFICATE_AUTHORITY),
                        org.assertj.core.groups.Tuple.tuple(AuditAction.ISSUED, ResourceType.CERTIFICATE),
                        org.assertj.core.groups.Tuple.tuple(AuditAction.INJECTED, ResourceType.TLS_SECRET));
        assertThat(audits).filteredOn(a -> a.getAction() == AuditAction.ISSUED).first()
                .satisfies(a -> assertThat(a.getResourceId()).isEqualTo(state.getCertificateSerial()));
        assertNoKeyMaterialIn(world.tlsTopic, world.auditTopic);
    }

    @Test
    void metricsShowHowManyCertificatesThereAreAndWhenTheFirstExpires() {
        world.cluster("c-1");
        CertService service = world.startService("cert-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        ClusterTlsState state = world.awaitState("c-1", "server", s -> true);
        await().atMost(Duration.ofSeconds(20)).until(() -> service.metrics().scrape()
                .matches("(?s).*zonekeeper_certificates_managed(\\{[^}]*})? 1\\.0\n.*"));
        // To the minute, never later: the figure counts certificates per minute of expiry, not one by one.
        long expected = Duration.between(world.clock.instant(), state.getNotAfter().truncatedTo(ChronoUnit.MINUTES))
                .toSeconds();
        assertThat(service.metrics().scrape())
                .containsPattern("zonekeeper_certificates_earliest_expiry_seconds(\\{[^}]*})? " + expected + "\\.0\n");

        // Kept as running figures: the cluster's deletion takes its certificate out of both.
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.DELETED));
        await().atMost(Duration.ofSeconds(20)).until(() -> service.metrics().scrape()
                .matches("(?s).*zonekeeper_certificates_managed(\\{[^}]*})? 0\\.0\n.*"));
        assertThat(service.metrics().scrape())
                .containsPattern("zonekeeper_certificates_earliest_expiry_seconds(\\{[^}]*})? -1\\.0\n");
    }

    @Test
    void replayingEveryEventReissuesNothingAndWritesNothing() {
        world.cluster("c-1");
        world.cluster("c-2");
        var service = world.startService("cert-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        world.emit(world.event("org-1", "acme", "c-2", "staging", ClusterStatus.PROVISIONING));
        world.emit(world.event("org-1", "acme", "c-2", "staging", ClusterStatus.RUNNING));
        ClusterTlsState first = world.awaitState("c-1", "server", s -> s.getStatus() == TlsStatus.ISSUED);
        world.awaitState("c-2", "server", s -> s.getStatus() == TlsStatus.ISSUED);
        world.stop(service);
        int auditsBefore = world.audits().size();
        world.vault.resetCounts();
        world.clusters.values().forEach(io.zonekeeper.testkit.kubernetes.SimulatedCluster::resetCounts);

        // A new consumer group reads the lifecycle topic from the beginning: the operator's replay.
        world.startService("cert-replay-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        world.awaitConsumed("cert-replay-" + world.suffix, world.lifecycleTopic);

        assertThat(world.vault.requests("GET")).as("the replay read what exists").isPositive();
        assertThat(world.vault.mutatingRequests()).as("Vault writes on replay").isZero();
        assertThat(world.clusters.values()).allSatisfy(c -> assertThat(c.mutatingRequests()).isZero());
        assertThat(world.states().get("org-1/c-1/server").getCertificateSerial()).isEqualTo(first.getCertificateSerial());
        assertThat(world.audits()).hasSize(auditsBefore);
    }

    @Test
    void clustersOfOneOrganizationShareItsAuthorityAndOtherOrganizationsDoNot() throws Exception {
        world.cluster("c-1");
        world.cluster("c-2");
        world.cluster("c-3");
        world.startService("cert-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        world.emit(world.event("org-1", "acme", "c-2", "staging", ClusterStatus.RUNNING));
        world.emit(world.event("org-2", "bank", "c-3", "prod", ClusterStatus.RUNNING));

        var a1 = world.awaitState("c-1", "server", s -> true);
        var a2 = world.awaitState("c-2", "server", s -> true);
        var b = world.awaitState("c-3", "server", s -> true);
        assertThat(a1.getCaSerial()).isEqualTo(a2.getCaSerial()).isNotEqualTo(b.getCaSerial());
        assertThat(world.audits()).filteredOn(a -> a.getResourceType() == ResourceType.CERTIFICATE_AUTHORITY).hasSize(2);

        TlsMaterial acme = world.awaitSecret("c-1", "zonekeeper-tls", s -> true);
        TlsMaterial bank = world.awaitSecret("c-3", "zonekeeper-tls", s -> true);
        try (TlsProbe.Server server = TlsProbe.serve(bank)) {
            assertThat(TlsProbe.handshakes(server.port(), "x.prod.bank.zk.example", acme.caBundle(), world.clock.instant()))
                    .as("acme's CA does not vouch for bank's server").isFalse();
            assertThat(TlsProbe.handshakes(server.port(), "x.prod.bank.zk.example", bank.caBundle(), world.clock.instant())).isTrue();
        }
    }

    @Test
    void deletedClusterLosesItsCertificatesInVaultAndTheClusterAndItsStateIsTombstoned() {
        world.cluster("c-1");
        world.startService("cert-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        world.awaitState("c-1", "server", s -> true);
        world.request("org-1", "c-1", "mysql", "mysql.prod.acme.zk.example");
        world.awaitSecret("c-1", "mysql-tls", s -> true);

        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.DELETED));

        await().atMost(Duration.ofSeconds(30)).until(() -> world.states().containsKey("org-1/c-1/server")
                && world.states().get("org-1/c-1/server") == null && world.states().get("org-1/c-1/mysql") == null);
        assertThat(world.secretIn("c-1", "zonekeeper-tls")).isEmpty();
        assertThat(world.secretIn("c-1", "mysql-tls")).isEmpty();
        assertThat(world.vault.read("zonekeeper/tls/org-1/clusters/c-1/server")).isEmpty();
        assertThat(world.vault.read("zonekeeper/tls/org-1/clusters/c-1/mysql")).isEmpty();
        assertThat(world.vault.read("zonekeeper/tls/org-1/ca")).as("the CA outlives clusters").isPresent();
        assertThat(world.audits()).filteredOn(a -> a.getAction() == AuditAction.DELETED).hasSize(4);
    }

    @Test
    void reconcileRestoresASecretDeletedByHandWithoutReissuing() {
        world.cluster("c-1");
        world.startService("cert-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        ClusterTlsState issued = world.awaitState("c-1", "server", s -> true);
        world.awaitSecret("c-1", "zonekeeper-tls", s -> true);
        try (var admin = world.clusters.get("c-1").adminClient()) {
            admin.secrets().inNamespace(CertWorld.NAMESPACE).withName("zonekeeper-tls").delete();
        }
        assertThat(world.secretIn("c-1", "zonekeeper-tls")).isEmpty();

        // The provisioner's own command on the shared topic comes first: skipped, not dead-lettered.
        String roll = world.orgCommand("org-1", io.zonekeeper.schemas.OrgAction.ROLL_EXTERNAL_DNS);
        String command = world.reconcile("org-1");

        TlsMaterial restored = world.awaitSecret("c-1", "zonekeeper-tls", s -> true);
        assertThat(CertWorld.serialOf(restored)).isEqualTo(issued.getCertificateSerial());
        await().atMost(Duration.ofSeconds(20)).until(() -> world.audits().stream().anyMatch(a ->
                command.equals(a.getCauseEventId()) && a.getAction() == AuditAction.INJECTED));
        assertThat(world.audits()).filteredOn(a -> command.equals(a.getCauseEventId()))
                .extracting(AuditEvent::getAction).containsExactly(AuditAction.INJECTED);
        assertThat(world.audits()).noneMatch(a -> roll.equals(a.getCauseEventId()));
        assertThat(world.deadLetters(world.orgCommandsTopic)).isEmpty();
    }

    @Test
    void stoppedClusterKeepsItsCertificateAndIsNotScheduledForRenewal() {
        world.cluster("c-1");
        world.startService("cert-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.STOPPED));
        ClusterTlsState state = world.awaitState("c-1", "server", s -> !s.getClusterRunning());
        assertThat(state.getStatus()).isEqualTo(TlsStatus.ISSUED);
        assertThat(world.secretIn("c-1", "zonekeeper-tls")).isPresent();
    }

    private void assertNoKeyMaterialIn(String... topics) {
        for (String topic : topics) {
            for (ConsumerRecord<byte[], byte[]> record : world.kafka.readAll(topic)) {
                if (record.value() != null) {
                    assertThat(new String(record.value(), StandardCharsets.ISO_8859_1))
                            .as("record in " + topic).doesNotContain("PRIVATE KEY").doesNotContain("BEGIN");
                }
            }
        }
    }
}
