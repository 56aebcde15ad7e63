package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.kubernetes.KubeApiServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The whole provisioner against a real kube-apiserver: the upstream provisioner stores a kubeconfig for the user the
 * shipped RBAC binds in Vault where the lifecycle event says, and the service (under its own Vault policy) deploys
 * ExternalDNS there, hands a rotated key to it, and removes it when the cluster is deleted.
 */
class RealClusterProvisioningTest {

    private final ProvisionerWorld world = new ProvisionerWorld();
    private final KubeApiServer cluster = world.realCluster("real-1");

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void deploysExternalDnsIntoARealClusterAndRemovesItWhenTheClusterIsDeleted() {
        world.startService("provisioner-" + world.suffix);

        world.emit(ProvisionerWorld.event("org-1", "acme", "real-1", ClusterStatus.RUNNING));
        var state = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);

        try (var admin = cluster.adminClient()) {
            Deployment deployment = await().atMost(Duration.ofSeconds(30)).until(() -> admin.apps().deployments()
                    .inNamespace("external-dns").withName(ExternalDnsManifests.NAME).get(), d -> d != null);
            assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                    .contains("--zone-id-filter=" + state.getZoneId(), "--txt-owner-id=real-1");
            String credentials = new String(Base64.getDecoder().decode(admin.secrets().inNamespace("external-dns")
                    .withName(ExternalDnsManifests.SECRET_NAME).get().getData().get("credentials")),
                    StandardCharsets.UTF_8);
            assertThat(credentials).contains("aws_access_key_id = " + state.getAccessKeyId());

            world.emit(ProvisionerWorld.event("org-1", "acme", "real-1", ClusterStatus.DELETED));
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.apps().deployments().inNamespace("external-dns")
                    .withName(ExternalDnsManifests.NAME).get() == null);
            assertThat(admin.rbac().clusterRoles().withName(ExternalDnsManifests.CLUSTER_ROLE).get()).isNull();
        }
        assertThat(world.deadLetters()).isEmpty();
    }
}
