package io.zonekeeper.common.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.common.vault.VaultClients;
import io.zonekeeper.common.vault.VaultSecrets;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.retry.Retry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.testkit.kubernetes.SimulatedCluster;
import io.zonekeeper.testkit.vault.OpenBaoMount;
import io.zonekeeper.testkit.vault.OpenBaoServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** fabric8 reaching a simulated cluster through the kubeconfig the upstream provisioner stored in Vault. */
class ClusterClientsTest {

    private static final String PATH = "clusters/acme/prod/kubeconfig";

    private final OpenBaoMount vault = OpenBaoMount.create(OpenBaoServer.shared(),
            "kv-" + java.util.UUID.randomUUID().toString().substring(0, 8));
    private final SimulatedCluster cluster = SimulatedCluster.start("acme-prod");
    private final VaultSettings settings = new VaultSettings(vault.endpoint(),
            new io.zonekeeper.common.config.Secret(vault.token()), vault.mount());
    private final VaultClients.Connection connection = VaultClients.connect(settings);
    private final ClusterClients clusters = new ClusterClients(connection.kv(), settings.kubeconfigPrefix(),
            new ClusterClaims(new VaultSecrets(connection.kv(), new Retry(new RetrySettings(3, Duration.ofMillis(10),
                    Duration.ofMillis(50), 0.5), new SimpleMeterRegistry())), settings.clusterClaimsPrefix(),
                    "test-service"), Duration.ofSeconds(10));

    @AfterEach
    void stop() {
        clusters.close();
        connection.close();
        cluster.close();
        vault.close();
    }

    @Test
    void createsUpdatesAndReadsASecretAndADeployment() {
        vault.write(PATH, Map.of(ClusterClients.KUBECONFIG_KEY, cluster.kubeconfig()));

        {
            KubernetesClient client = clusters.connect(acme(PATH));
            assertThat(clusters.connect(acme(PATH))).as("cached per kubeconfig").isSameAs(client);
            client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                    .withNewMetadata().withName("zonekeeper").endMetadata().build()).create();
            Secret secret = new SecretBuilder().withNewMetadata().withName("external-dns-aws").withNamespace("zonekeeper")
                    .endMetadata().addToData("credentials", base64("[default]\n")).build();
            client.secrets().inNamespace("zonekeeper").resource(secret).create();
            client.secrets().inNamespace("zonekeeper").withName("external-dns-aws")
                    .edit(s -> new SecretBuilder(s).addToData("rotated", base64("yes")).build());

            Deployment deployment = new DeploymentBuilder()
                    .withNewMetadata().withName("external-dns").withNamespace("zonekeeper").endMetadata()
                    .withNewSpec().withReplicas(1)
                    .withNewSelector().addToMatchLabels("app", "external-dns").endSelector()
                    .withNewTemplate().withNewMetadata().addToLabels("app", "external-dns").endMetadata()
                    .withNewSpec().addNewContainer().withName("external-dns").withImage("registry.k8s.io/external-dns:v0.15.0")
                    .addToArgs("--provider=aws").endContainer().endSpec().endTemplate().endSpec().build();
            client.apps().deployments().inNamespace("zonekeeper").resource(deployment).create();
            client.apps().deployments().inNamespace("zonekeeper").withName("external-dns")
                    .edit(d -> new DeploymentBuilder(d).editSpec().editTemplate().editMetadata()
                            .addToAnnotations("zonekeeper.io/credentials-hash", "abc").endMetadata().endTemplate()
                            .endSpec().build());
        }

        try (KubernetesClient admin = cluster.adminClient()) {
            Secret stored = admin.secrets().inNamespace("zonekeeper").withName("external-dns-aws").get();
            // Written as base64 data, not stringData: the API server converts stringData, the CRUD mock does not.
            assertThat(stored.getData()).containsEntry("credentials", base64("[default]\n"))
                    .containsEntry("rotated", base64("yes"));
            Deployment stored2 = admin.apps().deployments().inNamespace("zonekeeper").withName("external-dns").get();
            assertThat(stored2.getSpec().getTemplate().getMetadata().getAnnotations())
                    .containsEntry("zonekeeper.io/credentials-hash", "abc");
            assertThat(stored2.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                    .containsExactly("--provider=aws");
        }
        assertThat(cluster.mutatingRequests()).isGreaterThanOrEqualTo(5);
    }

    private static ClusterRef acme(String kubeconfigPath) {
        return new ClusterRef("acme", "acme-prod", kubeconfigPath);
    }

    private static String base64(String value) {
        return java.util.Base64.getEncoder().encodeToString(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String describe(Throwable e) {
        StringBuilder chain = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            chain.append(c.getClass().getName()).append(": ").append(c.getMessage()).append(" <- ");
        }
        return chain.toString();
    }

    @Test
    void clientsOfDifferentClustersShareOneSerializationSoTheHeapDoesNotGrowByAModelPerCluster() {
        vault.write(PATH, Map.of(ClusterClients.KUBECONFIG_KEY, cluster.kubeconfig()));
        try (SimulatedCluster other = SimulatedCluster.start("acme-dev")) {
            vault.write("clusters/acme/dev/kubeconfig", Map.of(ClusterClients.KUBECONFIG_KEY, other.kubeconfig()));
            KubernetesClient prod = clusters.connect(acme(PATH));
            KubernetesClient dev = clusters.connect(new ClusterRef("acme", "acme-dev", "clusters/acme/dev/kubeconfig"));
            assertThat(dev).isNotSameAs(prod);
            assertThat(dev.getKubernetesSerialization()).isSameAs(prod.getKubernetesSerialization());
        }
    }

    @Test
    void aMissingOrUnparseableKubeconfigIsUnusableWithoutQuotingIt() {
        assertThatThrownBy(() -> clusters.connect(acme("clusters/nobody/kubeconfig")))
                .isInstanceOf(KubeconfigUnusableException.class).hasMessageContaining("no kubeconfig");
        vault.write(PATH, Map.of(ClusterClients.KUBECONFIG_KEY, "token: hunter2\n: : not yaml ["));
        assertThatThrownBy(() -> clusters.connect(acme(PATH)))
                .isInstanceOf(KubeconfigUnusableException.class)
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void aKubeconfigPathOutsideThePrefixIsRefusedWithoutReadingVault() {
        // Say an event names another organization's access key: never read, refused with the reason.
        vault.write("zonekeeper/orgs/other/aws", Map.of(ClusterClients.KUBECONFIG_KEY, cluster.kubeconfig()));
        vault.resetCounts();
        assertThatThrownBy(() -> clusters.connect(acme("zonekeeper/orgs/other/aws")))
                .isInstanceOf(KubeconfigUnusableException.class)
                .hasMessageContaining("outside 'clusters/' (KUBECONFIG_VAULT_PREFIX)");
        assertThatThrownBy(() -> clusters.connect(acme("clustersX/kubeconfig"))).isInstanceOf(KubeconfigUnusableException.class);
        assertThat(vault.requests("GET")).isZero();
    }

    @Test
    void aStoppedClusterIsATransientFailure() {
        vault.write(PATH, Map.of(ClusterClients.KUBECONFIG_KEY, cluster.kubeconfig()));
        cluster.stop();
        {
            KubernetesClient client = clusters.connect(acme(PATH));
            assertThatThrownBy(() -> client.secrets().inNamespace("zonekeeper").withName("x").get())
                    .isInstanceOf(KubernetesClientException.class)
                    .satisfies(e -> assertThat(KubernetesErrors.isRetryable(e)).as(describe(e)).isTrue());
        }
    }
}
