package io.zonekeeper.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.testkit.faults.FaultProxy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A dependency of one organization being down pauses that organization only, and its work resumes after. */
class OutageIsolationTest {

    private final CertWorld world = new CertWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void anUnreachableClusterPausesItsOrganizationButNotOthers() {
        var down = world.cluster("down-1");
        world.cluster("up-1");
        try (FaultProxy apiServer = FaultProxy.start(down.endpoint(), 5)) {
            world.vault.write(CertWorld.kubeconfigPath("down-1"),
                    Map.of("kubeconfig", down.kubeconfig(apiServer.endpoint())));
            apiServer.refuseConnections(true);
            world.startService("cert-" + world.suffix);

            world.emit(world.event("org-down", "downcorp", "down-1", "prod", ClusterStatus.RUNNING));
            world.emit(world.event("org-up", "upcorp", "up-1", "prod", ClusterStatus.RUNNING));

            world.awaitSecret("up-1", "zonekeeper-tls", s -> true);
            world.awaitState("up-1", "server", s -> true);
            assertThat(world.secretIn("down-1", "zonekeeper-tls")).isEmpty();
            assertThat(world.states()).doesNotContainKey("org-down/down-1/server");

            apiServer.refuseConnections(false);
            world.awaitSecret("down-1", "zonekeeper-tls", s -> true);
            world.awaitState("down-1", "server", s -> true);
            assertThat(world.deadLetters(world.lifecycleTopic)).isEmpty();
        }
    }

    @Test
    void vaultDownPausesWorkWithoutDeadLetteringAndResumes() {
        world.cluster("c-1");
        try (FaultProxy vault = FaultProxy.start(world.vault.endpoint(), 6)) {
            world.setEnv("VAULT_ADDR", vault.endpoint().toString());
            world.startService("cert-" + world.suffix);
            vault.refuseConnections(true);
            world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> world.deadLetters(world.lifecycleTopic).isEmpty());

            vault.refuseConnections(false);

            world.awaitSecret("c-1", "zonekeeper-tls", s -> true);
            world.awaitState("c-1", "server", s -> true);
            assertThat(world.deadLetters(world.lifecycleTopic)).isEmpty();
        }
    }
}
