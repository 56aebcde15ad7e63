package io.zonekeeper.common.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.common.config.Secret;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.testkit.vault.OpenBaoMount;
import io.zonekeeper.testkit.vault.OpenBaoServer;
import io.zonekeeper.testkit.vault.ServicePolicies;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.vault.VaultException;
import org.springframework.vault.core.VaultVersionedKeyValueOperations;

/**
 * Least privilege between the services, with the policies the checkout ships ({@code vault/policies/}) on real
 * OpenBao, through the services' own Vault client: each reaches its own secrets and the kubeconfigs (read only),
 * and nothing of the other's. Widening either policy (say to {@code <mount>/data/*}) fails a test here; narrowing
 * one fails the service's own tests, which run under it.
 */
class ServicePoliciesTest {

    private static final String ACCESS_KEY = "zonekeeper/orgs/acme/aws";
    private static final String CA_KEY = "zonekeeper/tls/acme/ca";
    private static final String KUBECONFIG = "clusters/prod-1/kubeconfig";

    private final OpenBaoMount vault = OpenBaoMount.create(OpenBaoServer.shared(),
            "kv-" + UUID.randomUUID().toString().substring(0, 8));
    private final VaultVersionedKeyValueOperations provisioner = kvAs(vault.serviceToken(ServicePolicies.PROVISIONER,
            Map.of("CREDENTIALS_VAULT_PREFIX", "zonekeeper/orgs", "KUBECONFIG_VAULT_PREFIX", "clusters",
            "CLUSTER_CLAIMS_VAULT_PREFIX", VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX)));
    private final VaultVersionedKeyValueOperations certService = kvAs(vault.serviceToken(ServicePolicies.CERT_SERVICE,
            Map.of("TLS_VAULT_PREFIX", "zonekeeper/tls", "KUBECONFIG_VAULT_PREFIX", "clusters",
            "CLUSTER_CLAIMS_VAULT_PREFIX", VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX)));

    ServicePoliciesTest() {
        vault.write(ACCESS_KEY, Map.of("accessKeyId", "AKIAACME", "secretAccessKey", "never-for-the-cert-service"));
        vault.write(CA_KEY, Map.of("certificate", "-----BEGIN CERTIFICATE-----", "privateKey", "never-for-the-provisioner"));
        vault.write(KUBECONFIG, Map.of("kubeconfig", "apiVersion: v1"));
    }

    @AfterEach
    void close() {
        vault.close();
    }

    @Test
    void eachServiceReachesItsOwnSecretsAndReadsKubeconfigs() {
        assertThat(provisioner.get(ACCESS_KEY).getRequiredData()).containsEntry("accessKeyId", "AKIAACME");
        provisioner.put("zonekeeper/orgs/other/aws", Map.of("accessKeyId", "AKIAOTHER"));
        provisioner.opsForKeyValueMetadata().delete("zonekeeper/orgs/other/aws");
        assertThat(certService.get(CA_KEY).getRequiredData()).containsKey("privateKey");
        certService.put("zonekeeper/tls/_names/acme", Map.of("orgId", "acme"));

        assertThat(provisioner.get(KUBECONFIG).getRequiredData()).containsKey("kubeconfig");
        assertThat(certService.get(KUBECONFIG).getRequiredData()).containsKey("kubeconfig");
    }

    @Test
    void bothServicesClaimReadAndReleaseClustersInTheSharedClaimsFolder() {
        String claim = VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX + "/clusters/prod-1";
        provisioner.put(claim, Map.of("orgId", "acme"));
        assertThat(certService.get(claim).getRequiredData()).containsEntry("orgId", "acme");
        certService.put(claim, Map.of("orgId", "acme", "holders", java.util.List.of("cert-service")));
        provisioner.opsForKeyValueMetadata().delete(claim);
        assertThat(certService.get(claim)).isNull();
    }

    @Test
    void theCertServiceCannotReadAnAccessKey() {
        assertDenied(() -> certService.get(ACCESS_KEY));
        assertDenied(() -> certService.opsForKeyValueMetadata().get(ACCESS_KEY));
    }

    @Test
    void theProvisionerCannotReadACaKey() {
        assertDenied(() -> provisioner.get(CA_KEY));
        assertDenied(() -> provisioner.opsForKeyValueMetadata().get(CA_KEY));
    }

    @Test
    void neitherServiceCanWriteOrDeleteAKubeconfig() {
        for (VaultVersionedKeyValueOperations service : new VaultVersionedKeyValueOperations[] {provisioner, certService}) {
            assertDenied(() -> service.put(KUBECONFIG, Map.of("kubeconfig", "apiVersion: v1 # pointed elsewhere")));
            assertDenied(() -> service.put("clusters/new/kubeconfig", Map.of("kubeconfig", "apiVersion: v1")));
            assertDenied(() -> service.opsForKeyValueMetadata().delete(KUBECONFIG));
        }
        assertThat(vault.currentVersion(KUBECONFIG)).isEqualTo(1);
    }

    @Test
    void neitherServiceCanWriteTheOthersSecrets() {
        assertDenied(() -> provisioner.put(CA_KEY, Map.of("privateKey", "planted")));
        assertDenied(() -> certService.put(ACCESS_KEY, Map.of("accessKeyId", "planted")));
        assertThat(vault.currentVersion(CA_KEY)).isEqualTo(1);
        assertThat(vault.currentVersion(ACCESS_KEY)).isEqualTo(1);
    }

    private VaultVersionedKeyValueOperations kvAs(String token) {
        VaultSettings settings = new VaultSettings(vault.endpoint(), new Secret(token), vault.mount());
        return VaultClients.connect(settings).kv();
    }

    private static void assertDenied(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(VaultException.class).hasMessageContaining("403");
    }
}
