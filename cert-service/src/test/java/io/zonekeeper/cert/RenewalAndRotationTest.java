package io.zonekeeper.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.cert.model.Certificates;
import io.zonekeeper.cert.model.TlsMaterial;
import io.zonekeeper.cert.model.TlsProbe;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditOutcome;
import io.zonekeeper.schemas.CertAction;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.ResourceType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Wall-clock work: renewal when due and not before, and CA rotation that never breaks a handshake. */
class RenewalAndRotationTest {

    private static final String HOST = "api.prod.acme.zk.example";
    private final CertWorld world = new CertWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void certificateIsRenewedWhenDueAndNotBefore() {
        world.cluster("c-1");
        CertService service = world.startService("cert-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        ClusterTlsState issued = world.awaitState("c-1", "server", s -> true);
        assertThat(Duration.between(issued.getNotBefore(), issued.getRenewAt()))
                .as("two thirds of 90 days and the backdate").isEqualTo(Duration.ofDays(60).plusSeconds(200));
        awaitOwnership(service);

        world.clock.set(issued.getRenewAt().minusSeconds(1));
        assertThat(service.scanNow()).as("commands one second before the renewal point").isZero();

        world.clock.set(issued.getRenewAt());
        assertThat(service.scanNow()).isEqualTo(1);
        ClusterTlsState renewed = world.awaitState("c-1", "server",
                s -> !s.getCertificateSerial().equals(issued.getCertificateSerial()));
        assertThat(renewed.getNotBefore()).isAfter(issued.getNotBefore());
        TlsMaterial secret = world.awaitSecret("c-1", "zonekeeper-tls",
                s -> CertWorld.serialOf(s).equals(renewed.getCertificateSerial()));
        assertThat(secret.leaf().getNotAfter().toInstant()).isEqualTo(renewed.getNotAfter());
        assertThat(world.audits()).filteredOn(a -> a.getAction() == AuditAction.RENEWED).singleElement()
                .satisfies(a -> assertThat(a.getReason()).startsWith("due"));
        assertThat(service.scanNow()).as("nothing is due after the renewal").isZero();
    }

    @Test
    void aRestartedServiceRenewsFromTheStateItRestored() {
        world.cluster("c-1");
        CertService first = world.startService("cert-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        ClusterTlsState issued = world.awaitState("c-1", "server", s -> true);
        world.stop(first);

        CertService second = world.startService("cert-" + world.suffix);
        awaitOwnership(second);
        world.clock.set(issued.getRenewAt());
        assertThat(second.scanNow()).isEqualTo(1);
        world.awaitState("c-1", "server", s -> !s.getCertificateSerial().equals(issued.getCertificateSerial()));
    }

    @Test
    void anAuthorityNearingExpiryIsRotatedByTheSchedule() {
        world.cluster("c-1");
        CertService service = world.startService("cert-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        ClusterTlsState issued = world.awaitState("c-1", "server", s -> true);
        assertThat(issued.getCaNextStepAt()).isEqualTo(issued.getCaNotAfter().minus(Duration.ofDays(30)));
        awaitOwnership(service);

        world.clock.set(issued.getCaNextStepAt());
        // Due: the CA's rotation and (long since) the certificate's renewal.
        assertThat(service.scanNow()).isEqualTo(2);
        TlsMaterial staged = world.awaitSecret("c-1", "zonekeeper-tls", s -> CertWorld.bundle(s).size() == 2);
        ClusterTlsState after = world.awaitState("c-1", "server",
                s -> s.getCaNextStepAt().equals(issued.getCaNextStepAt().plus(Duration.ofHours(24))));
        assertThat(after.getCaSerial()).as("staged, not yet signing").isEqualTo(issued.getCaSerial());
        assertThat(CertWorld.serialOf(staged)).isEqualTo(after.getCertificateSerial());
    }

    @Test
    void stoppedClustersAreNotRenewedUntilTheyRunAgain() {
        world.cluster("c-1");
        CertService service = world.startService("cert-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.STOPPED));
        ClusterTlsState stopped = world.awaitState("c-1", "server", s -> !s.getClusterRunning());
        awaitOwnership(service);
        world.clock.set(stopped.getRenewAt().plusSeconds(1));
        assertThat(service.scanNow()).isZero();

        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        world.awaitState("c-1", "server", s -> s.getClusterRunning()
                && !s.getCertificateSerial().equals(stopped.getCertificateSerial()));
    }

    /**
     * Clients refresh their trust bundle from ca.crt at their own pace. At every step the server's certificate
     * must be trusted by clients holding the bundle of the step before, and of course the current one.
     */
    @Test
    void caRotationKeepsEveryHandshakeWorkingBeforeDuringAndAfterTheOverlap() throws Exception {
        world.cluster("c-1");
        CertService service = world.startService("cert-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        ClusterTlsState before = world.awaitState("c-1", "server", s -> true);
        TlsMaterial initial = world.awaitSecret("c-1", "zonekeeper-tls", s -> true);
        List<TlsMaterial> phases = new ArrayList<>(List.of(initial));
        assertHandshakes(initial, List.of(initial));

        // An operator asks for a rotation: the successor CA is staged in ca.crt; the server certificate stays.
        world.command("org-1", CertAction.ROTATE_CA);
        TlsMaterial staged = world.awaitSecret("c-1", "zonekeeper-tls", s -> CertWorld.bundle(s).size() == 2);
        assertThat(CertWorld.serialOf(staged)).isEqualTo(CertWorld.serialOf(initial));
        phases.add(staged);
        assertHandshakes(staged, phases);

        // A second request during the rotation is refused: its steps are timed for clients to follow.
        world.command("org-1", CertAction.ROTATE_CA);
        await().atMost(Duration.ofSeconds(30)).until(() -> world.audits().stream().anyMatch(a ->
                a.getOutcome() == AuditOutcome.REFUSED && a.getResourceType() == ResourceType.CERTIFICATE_AUTHORITY));

        // After the propagation period the successor signs: a new server certificate, old CA still trusted.
        awaitOwnership(service);
        world.clock.advance(Duration.ofHours(23));
        assertThat(service.scanNow()).isZero();
        world.clock.advance(Duration.ofHours(1));
        assertThat(service.scanNow()).isEqualTo(1);
        TlsMaterial promoted = world.awaitSecret("c-1", "zonekeeper-tls",
                s -> !CertWorld.serialOf(s).equals(CertWorld.serialOf(initial)));
        assertThat(CertWorld.bundle(promoted)).hasSize(2);
        assertThat(Certificates.serialHex(CertWorld.bundle(promoted).get(0))).isNotEqualTo(before.getCaSerial());
        phases.add(promoted);
        assertHandshakes(promoted, phases.subList(1, phases.size()));
        assertThat(TlsProbe.handshakes(port(promoted), HOST, initial.caBundle(), world.clock.instant()))
                .as("a client that never refreshed its bundle is what the propagation period is for").isFalse();

        // After another period the old CA leaves the bundle.
        world.clock.advance(Duration.ofHours(24));
        assertThat(service.scanNow()).isEqualTo(1);
        TlsMaterial retired = world.awaitSecret("c-1", "zonekeeper-tls", s -> CertWorld.bundle(s).size() == 1);
        assertThat(CertWorld.serialOf(retired)).isEqualTo(CertWorld.serialOf(promoted));
        phases.add(retired);
        assertHandshakes(retired, phases.subList(2, phases.size()));

        ClusterTlsState after = world.awaitState("c-1", "server",
                s -> s.getCertificateSerial().equals(CertWorld.serialOf(retired)));
        assertThat(after.getCaSerial()).isNotEqualTo(before.getCaSerial());
        assertThat(world.audits()).filteredOn(a -> a.getAction() == AuditAction.ROTATED
                && a.getOutcome() == AuditOutcome.SUCCEEDED).hasSize(3);
    }

    private final List<TlsProbe.Server> servers = new ArrayList<>();

    private int port(TlsMaterial material) throws Exception {
        TlsProbe.Server server = TlsProbe.serve(material);
        servers.add(server);
        return server.port();
    }

    private void assertHandshakes(TlsMaterial server, List<TlsMaterial> clientBundles) throws Exception {
        int port = port(server);
        for (TlsMaterial client : clientBundles) {
            TlsProbe.connect(port, HOST, client.caBundle(), world.clock.instant());
        }
    }

    private void awaitOwnership(CertService service) {
        // The schedule issues work only for partitions this instance owns; wait for the assignment.
        await().atMost(Duration.ofSeconds(30)).until(() -> service.ownsPartitions());
    }

    @AfterEach
    void closeServers() throws Exception {
        for (TlsProbe.Server server : servers) {
            server.close();
        }
    }
}
