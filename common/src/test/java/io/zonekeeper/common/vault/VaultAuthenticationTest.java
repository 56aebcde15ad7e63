package io.zonekeeper.common.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.VaultAuthentication;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.testkit.kubernetes.KubeApiServer;
import io.zonekeeper.testkit.vault.OpenBaoMount;
import io.zonekeeper.testkit.vault.OpenBaoServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.vault.VaultException;

/**
 * Each login method the services support, against real OpenBao (and, for Kubernetes auth, a real kube-apiserver
 * reviewing the service account's token): the service logs in, reads under its policy, and logs in again by itself
 * after its token is revoked, the first refused call being a transient fault.
 */
class VaultAuthenticationTest {

    private final OpenBaoServer server = OpenBaoServer.shared();
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final OpenBaoMount vault = OpenBaoMount.create(server, "kv-" + suffix);
    private final String policy = "reader-" + suffix;

    VaultAuthenticationTest() {
        vault.write("clusters/prod-1/kubeconfig", Map.of("kubeconfig", "apiVersion: v1"));
        server.writePolicy(policy, "path \"" + vault.mount() + "/data/clusters/*\" { capabilities = [\"read\"] }");
    }

    @AfterEach
    void close() {
        vault.close();
    }

    @Test
    void appRoleLogsInReadsUnderItsPolicyAndLogsInAgainAfterItsTokenIsRevoked() {
        String path = "approle-" + suffix;
        server.request("POST", "sys/auth/" + path, Map.of("type", "approle"));
        server.request("POST", "auth/" + path + "/role/provisioner", Map.of("token_policies", List.of(policy),
                "token_ttl", "1h"));
        String roleId = server.request("GET", "auth/" + path + "/role/provisioner/role-id", null).orElseThrow()
                .path("data").path("role_id").asText();
        String secretId = server.request("POST", "auth/" + path + "/role/provisioner/secret-id", Map.of())
                .orElseThrow().path("data").path("secret_id").asText();

        VaultSettings settings = VaultSettings.read(new EnvReader(Map.of("VAULT_ADDR", vault.endpoint().toString(),
                "VAULT_KV_MOUNT", vault.mount(), "VAULT_AUTH_METHOD", "approle", "VAULT_AUTH_PATH", path,
                "VAULT_APPROLE_ROLE_ID", roleId, "VAULT_APPROLE_SECRET_ID", secretId)));
        assertThat(settings.authentication()).isInstanceOf(VaultAuthentication.AppRole.class);
        assertThat(settings.authentication().toString()).doesNotContain(secretId);

        try (VaultClients.Connection connection = VaultClients.connect(settings)) {
            assertThat(connection.kv().get("clusters/prod-1/kubeconfig").getRequiredData()).containsKey("kubeconfig");
            assertRevokedThenRecovered(connection, "auth/" + path + "/login");
        }
    }

    @Test
    void kubernetesAuthLogsInWithTheServiceAccountTokenTheApiServerReviews() throws IOException {
        try (KubeApiServer cluster = KubeApiServer.start("vault-auth", List.of("vault-token-reviewer"));
             KubernetesClient admin = cluster.adminClient()) {
            // OpenBao asks the API server (TokenReview) whether a presented token is valid, as a reviewer may.
            admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder()
                    .withNewMetadata().withName("vault-token-reviewer").endMetadata()
                    .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                    .withName("system:auth-delegator").endRoleRef()
                    .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User")
                    .withName("vault-token-reviewer").endSubject().build()).create();
            admin.serviceAccounts().inNamespace("default").resource(new ServiceAccountBuilder().withNewMetadata()
                    .withName("zonekeeper-provisioner").endMetadata().build()).create();
            String serviceAccountToken = admin.serviceAccounts().inNamespace("default")
                    .withName("zonekeeper-provisioner")
                    .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
                    .getStatus().getToken();
            Path tokenFile = Files.createTempFile("serviceaccount", ".token");
            Files.writeString(tokenFile, serviceAccountToken);

            String path = "kubernetes-" + suffix;
            server.request("POST", "sys/auth/" + path, Map.of("type", "kubernetes"));
            server.request("POST", "auth/" + path + "/config", Map.of(
                    "kubernetes_host", cluster.endpoint().toString(),
                    "kubernetes_ca_cert", cluster.caBundle(),
                    "token_reviewer_jwt", cluster.token("vault-token-reviewer")));
            server.request("POST", "auth/" + path + "/role/provisioner", Map.of(
                    "bound_service_account_names", List.of("zonekeeper-provisioner"),
                    "bound_service_account_namespaces", List.of("default"),
                    "token_policies", List.of(policy), "token_ttl", "1h"));

            VaultSettings settings = VaultSettings.read(new EnvReader(Map.of(
                    "VAULT_ADDR", vault.endpoint().toString(), "VAULT_KV_MOUNT", vault.mount(),
                    "VAULT_AUTH_METHOD", "kubernetes", "VAULT_AUTH_PATH", path,
                    "VAULT_KUBERNETES_ROLE", "provisioner", "VAULT_KUBERNETES_TOKEN_FILE", tokenFile.toString())));
            try (VaultClients.Connection connection = VaultClients.connect(settings)) {
                assertThat(connection.kv().get("clusters/prod-1/kubeconfig").getRequiredData()).containsKey("kubeconfig");
                assertRevokedThenRecovered(connection, "auth/" + path + "/login");
            } finally {
                Files.deleteIfExists(tokenFile);
            }
        }
    }

    @Test
    void aWrongSecretIdCannotLogInAndIsNeverQuoted() {
        String path = "approle-wrong-" + suffix;
        server.request("POST", "sys/auth/" + path, Map.of("type", "approle"));
        server.request("POST", "auth/" + path + "/role/provisioner", Map.of("token_policies", List.of(policy)));
        VaultSettings settings = new VaultSettings(vault.endpoint(), new VaultAuthentication.AppRole(path,
                "not-a-role-id", new io.zonekeeper.common.config.Secret("not-a-secret-id")), vault.mount(),
                VaultSettings.DEFAULT_KUBECONFIG_PREFIX, VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX);
        try (VaultClients.Connection connection = VaultClients.connect(settings)) {
            assertThatThrownBy(() -> connection.kv().get("clusters/prod-1/kubeconfig"))
                    .hasMessageNotContaining("not-a-secret-id")
                    // The installation's fault, not the record's: records wait for a fixed secret id.
                    .satisfies(e -> assertThat(VaultErrors.isRetryable(e)).isTrue());
        }
    }

    /** Revokes every token the auth mount issued: the next call is refused (transient), the one after logs in anew. */
    private void assertRevokedThenRecovered(VaultClients.Connection connection, String loginPath) {
        server.request("PUT", "sys/leases/revoke-prefix/" + loginPath, Map.of());
        assertThatThrownBy(() -> connection.kv().get("clusters/prod-1/kubeconfig"))
                .isInstanceOfSatisfying(VaultException.class, e -> {
                    assertThat(e.getMessage()).contains("403");
                    assertThat(VaultErrors.isRetryable(e)).isTrue();
                });
        assertThat(connection.kv().get("clusters/prod-1/kubeconfig").getRequiredData()).containsKey("kubeconfig");
    }
}
