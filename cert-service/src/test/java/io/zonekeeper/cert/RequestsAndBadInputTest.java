package io.zonekeeper.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.cert.model.Certificates;
import io.zonekeeper.cert.model.TlsMaterial;
import io.zonekeeper.cert.model.TlsProbe;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.AuditOutcome;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.ResourceType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Certificate requests inside and outside an organization's zone, and input that can never be applied. */
class RequestsAndBadInputTest {

    private final CertWorld world = new CertWorld();

    @BeforeEach
    void runningClusters() {
        world.cluster("c-1");
        world.cluster("c-2");
        world.startService("cert-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        world.emit(world.event("org-2", "bank", "c-2", "prod", ClusterStatus.RUNNING));
        world.awaitState("c-1", "server", s -> true);
        world.awaitState("c-2", "server", s -> true);
    }

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void multiDomainCertificateForNamedServicesOfACluster() throws Exception {
        world.request("org-1", "c-1", "mysql", "mysql.prod.acme.zk.example", "api.acme.zk.example");

        TlsMaterial secret = world.awaitSecret("c-1", "mysql-tls", s -> true);
        assertThat(Certificates.dnsNames(secret.leaf())).containsExactly("mysql.prod.acme.zk.example", "api.acme.zk.example");
        var state = world.awaitState("c-1", "mysql", s -> true);
        assertThat(state.getCaSerial()).isEqualTo(world.states().get("org-1/c-1/server").getCaSerial());
        try (TlsProbe.Server server = TlsProbe.serve(secret)) {
            TlsProbe.connect(server.port(), "api.acme.zk.example", secret.caBundle(), world.clock.instant());
            TlsProbe.connect(server.port(), "mysql.prod.acme.zk.example", secret.caBundle(), world.clock.instant());
        }

        // Asking again with the same names reuses the certificate; other names replace it.
        world.request("org-1", "c-1", "mysql", "api.acme.zk.example", "mysql.prod.acme.zk.example");
        world.request("org-1", "c-1", "mysql", "mysql.prod.acme.zk.example");
        var replaced = world.awaitState("c-1", "mysql", s -> s.getDnsNames().size() == 1);
        assertThat(world.audits()).filteredOn(a -> a.getResourceType() == ResourceType.CERTIFICATE
                && (a.getAction() == AuditAction.ISSUED || a.getAction() == AuditAction.RENEWED)
                && a.getClusterId().equals("c-1")).hasSize(3);
        assertThat(replaced.getCertificateSerial()).isNotEqualTo(state.getCertificateSerial());
    }

    @Test
    void outOfZoneAndMalformedRequestsAreRejectedAndTheRestOfThePartitionIsProcessed() {
        world.request("org-1", "c-1", "steal", "api.bank.zk.example");
        world.request("org-1", "c-1", "evil", "acme.zk.example.evil.com");
        world.request("org-1", "c-1", "bad", "bad_name.acme.zk.example");
        world.request("org-1", "c-2", "cross", "x.acme.zk.example");
        world.request("org-1", "c-1", "server", "x.acme.zk.example");
        world.request("org-1", "c-1", "fine", "fine.prod.acme.zk.example");

        world.awaitSecret("c-1", "fine-tls", s -> true);
        List<ConsumerRecord<byte[], byte[]>> dead = awaitDeadLetters(world.requestsTopic, 5);
        assertThat(dead).map(RequestsAndBadInputTest::reason)
                .anySatisfy(r -> assertThat(r).contains("'api.bank.zk.example' is outside the organization's zone acme.zk.example"))
                .anySatisfy(r -> assertThat(r).contains("outside the organization's zone"))
                .anySatisfy(r -> assertThat(r).contains("label 'bad_name' must be"))
                .anySatisfy(r -> assertThat(r).contains("cluster 'c-2' belongs to organization 'org-2'"))
                .anySatisfy(r -> assertThat(r).contains("reserved"));
        await().atMost(Duration.ofSeconds(20)).until(() -> rejections().size() == 5);
        assertThat(rejections()).allSatisfy(a -> {
            assertThat(a.getResourceType()).isEqualTo(ResourceType.CERTIFICATE_REQUEST);
            assertThat(a.getOutcome()).isEqualTo(AuditOutcome.REFUSED);
            assertThat(a.getOrgId()).isEqualTo("org-1");
        });
        assertThat(world.secretIn("c-2", "cross-tls")).isEmpty();
        assertThat(world.states()).doesNotContainKeys("org-1/c-1/steal", "org-1/c-1/evil", "org-1/c-2/cross");
    }

    @Test
    void undecodableAndInvalidLifecycleEventsAreDeadLetteredWithTheReason() {
        world.sendRaw(world.lifecycleTopic, "org-1", "not avro".getBytes(StandardCharsets.UTF_8));
        world.emit(world.event("org-1", "not.a.label", "c-9", "prod", ClusterStatus.RUNNING));
        world.emit(world.event("org-1", "acme", "c-9", "prod/x", ClusterStatus.RUNNING));
        var wrongKey = world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING);
        world.send(world.lifecycleTopic, "org-2", wrongKey);
        // The reaper dead-lettered these and this service applied them; one validation in all three now.
        world.emit(io.zonekeeper.schemas.ClusterLifecycleEvent.newBuilder(world.event("org-1", "acme", "c-1", "prod",
                ClusterStatus.STOPPED)).setOccurredAt(world.clock.instant().plus(java.time.Duration.ofHours(2))).build());
        world.emit(io.zonekeeper.schemas.ClusterLifecycleEvent.newBuilder(world.event("org-1", "acme", "c-1", "prod",
                ClusterStatus.RUNNING)).setKubeconfigVaultPath("zonekeeper/tls/org-1/ca").build());
        world.cluster("c-3");
        world.emit(world.event("org-1", "acme", "c-3", "dev", ClusterStatus.RUNNING));

        world.awaitState("c-3", "server", s -> true);
        List<ConsumerRecord<byte[], byte[]>> dead = awaitDeadLetters(world.lifecycleTopic, 6);
        assertThat(dead).map(RequestsAndBadInputTest::reason)
                .anySatisfy(r -> assertThat(r).startsWith("undecodable record"))
                .anySatisfy(r -> assertThat(r).contains("'not.a.label' is not a single DNS label"))
                .anySatisfy(r -> assertThat(r).contains("cluster name 'prod/x' is not a single DNS label"))
                .anySatisfy(r -> assertThat(r).contains("record key 'org-2' is not the organization id 'org-1'"))
                .anySatisfy(r -> assertThat(r).startsWith("occurredAt: ").contains("ahead of this service's clock"))
                .anySatisfy(r -> assertThat(r).startsWith("kubeconfigVaultPath: 'zonekeeper/tls/org-1/ca' is outside"));
    }

    /** The CA permits only the organization's first name: a new name is refused, not signed into failure. */
    @Test
    void aRenamedOrganizationIsRefusedWithTheReasonAndItsCertificatesStay() {
        String before = world.awaitState("c-1", "server", s -> true).getCertificateSerial();
        world.emit(world.event("org-1", "acme-renamed", "c-1", "prod", ClusterStatus.RUNNING));

        List<ConsumerRecord<byte[], byte[]>> dead = awaitDeadLetters(world.lifecycleTopic, 1);
        assertThat(reason(dead.get(0))).contains("is named 'acme'", "acme.zk.example", "renaming it to 'acme-renamed'"
                + " is not supported");
        assertThat(rejections()).anySatisfy(a -> assertThat(a.getOrgId()).isEqualTo("org-1"));
        assertThat(world.states().get("org-1/c-1/server").getCertificateSerial()).isEqualTo(before);
    }

    /** Two organizations with one name: the second gets no CA, so no certificate for the first one's names. */
    @Test
    void aSecondOrganizationWithTheSameNameGetsNoAuthorityAndNoCertificate() {
        world.cluster("c-3");
        world.emit(world.event("org-3", "acme", "c-3", "prod", ClusterStatus.RUNNING));

        List<ConsumerRecord<byte[], byte[]>> dead = awaitDeadLetters(world.lifecycleTopic, 1);
        assertThat(reason(dead.get(0))).contains("the name 'acme' belongs to organization org-1",
                "organization names must be unique within zk.example");
        assertThat(world.vault.read("zonekeeper/tls/org-3/ca")).isEmpty();
        assertThat(world.secretIn("c-3", "zonekeeper-tls")).isEmpty();
        assertThat(world.states()).doesNotContainKey("org-3/c-3/server");
    }

    private List<AuditEvent> rejections() {
        return world.audits().stream().filter(a -> a.getAction() == AuditAction.REJECTED).toList();
    }

    private List<ConsumerRecord<byte[], byte[]>> awaitDeadLetters(String topic, int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> world.deadLetters(topic).size() >= count);
        List<ConsumerRecord<byte[], byte[]>> dead = world.deadLetters(topic);
        assertThat(dead).hasSize(count);
        return dead;
    }

    private static String reason(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.headers().lastHeader(DeadLetterPublisher.REASON).value(), StandardCharsets.UTF_8);
    }
}
