package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.faults.FaultProxy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A dependency of one organization being down pauses that organization only, and its work resumes after. */
class OutageIsolationTest {

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void anUnreachableClusterPausesItsOrganizationButNotOthers() {
        var down = world.cluster("down-1");
        world.cluster("up-1");
        try (FaultProxy apiServer = FaultProxy.start(down.endpoint(), 5)) {
            world.vault.write(ProvisionerWorld.kubeconfigPath("down-1"),
                    Map.of("kubeconfig", down.kubeconfig(apiServer.endpoint())));
            apiServer.refuseConnections(true);
            world.startService("provisioner-" + world.suffix);

            world.emit(ProvisionerWorld.event("org-down", "downcorp", "down-1", ClusterStatus.RUNNING));
            world.emit(ProvisionerWorld.event("org-up", "upcorp", "up-1", ClusterStatus.RUNNING));

            world.awaitState("org-up", s -> s.getStatus() == OrgDnsStatus.READY);
            world.awaitExternalDns("up-1");
            try (var admin = down.adminClient()) {
                assertThat(admin.apps().deployments().inNamespace("external-dns").withName("external-dns").get()).isNull();
            }

            apiServer.refuseConnections(false);
            try (var admin = down.adminClient()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> admin.apps().deployments()
                        .inNamespace("external-dns").withName("external-dns").get() != null);
            }
            world.awaitState("org-down", s -> s.getStatus() == OrgDnsStatus.READY);
            assertThat(world.deadLetters()).isEmpty();
        }
    }

    @Test
    void vaultDownPausesWorkWithoutDeadLetteringAndResumes() {
        world.cluster("c-1");
        try (FaultProxy vault = FaultProxy.start(world.vault.endpoint(), 6)) {
            world.setEnv("VAULT_ADDR", vault.endpoint().toString());
            world.startService("provisioner-" + world.suffix);
            vault.refuseConnections(true);
            world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> world.deadLetters().isEmpty());

            vault.refuseConnections(false);

            world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
            assertThat(world.deadLetters()).isEmpty();
        }
    }
}
