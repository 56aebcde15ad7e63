package io.zonekeeper.common.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.Secret;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.vault.VaultClients;
import io.zonekeeper.common.vault.VaultSecrets;
import io.zonekeeper.testkit.vault.OpenBaoMount;
import io.zonekeeper.testkit.vault.OpenBaoServer;
import io.zonekeeper.testkit.vault.ServicePolicies;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Cluster claims in OpenBao, each service under its shipped Vault policy: the first organization to use a cluster
 * holds its id, its kubeconfig paths and its API server; nobody else gets them, however the claims race; and only
 * the last service to release its owner's claim frees the id.
 */
class ClusterClaimsTest {

    private static final ApiServerIdentity ACME_SERVER = ApiServerIdentity.of("https://10.0.0.1:6443", "CA-ACME");

    private final OpenBaoMount vault = OpenBaoMount.create(OpenBaoServer.shared(),
            "kv-" + UUID.randomUUID().toString().substring(0, 8));
    private final List<VaultClients.Connection> connections = new ArrayList<>();
    private final ClusterClaims provisioner = claimsOf(ServicePolicies.PROVISIONER, "provisioner-service",
            Map.of("CREDENTIALS_VAULT_PREFIX", "zonekeeper/orgs"));
    private final ClusterClaims certService = claimsOf(ServicePolicies.CERT_SERVICE, "cert-service",
            Map.of("TLS_VAULT_PREFIX", "zonekeeper/tls"));

    @AfterEach
    void close() {
        connections.forEach(VaultClients.Connection::close);
        vault.close();
    }

    @Test
    void theFirstOrganizationToUseAClusterHoldsItAndAnotherIsRefusedByIdPathOrServer() {
        provisioner.claim(acme("c-1", "clusters/c-1/kubeconfig"), ACME_SERVER);

        assertThatThrownBy(() -> certService.claim(new ClusterRef("bank", "c-1", "clusters/bank-1/kubeconfig"), null))
                .isInstanceOf(ClusterClaimedException.class)
                .hasMessageContaining("cluster 'c-1' belongs to organization 'acme'");
        assertThatThrownBy(() -> provisioner.claim(new ClusterRef("bank", "bank-1", "clusters/c-1/kubeconfig"), null))
                .isInstanceOf(ClusterClaimedException.class)
                .hasMessageContaining("kubeconfig at 'clusters/c-1/kubeconfig' belongs to cluster 'c-1' of"
                        + " organization 'acme'");
        assertThatThrownBy(() -> provisioner.claim(new ClusterRef("bank", "bank-1", "clusters/bank-1/kubeconfig"),
                ApiServerIdentity.of("https://10.0.0.1:6443/", "CA-ACME")))
                .isInstanceOf(ClusterClaimedException.class)
                .hasMessageContaining("API server https://10.0.0.1:6443");
        // Even the owner cannot give one API server two cluster ids: their ExternalDNS would fight over its records.
        assertThatThrownBy(() -> provisioner.claim(acme("c-2", "clusters/c-2/kubeconfig"), ACME_SERVER))
                .isInstanceOf(ClusterClaimedException.class).hasMessageContaining("belongs to cluster 'c-1'");

        assertThat(provisioner.ownerOf("c-1")).contains("acme");
        assertThatThrownBy(() -> certService.ownership(new ClusterRef("bank", "c-1", null)))
                .isInstanceOf(ClusterClaimedException.class);
        assertThat(certService.ownership(acme("c-1", "clusters/c-1/kubeconfig")).kubeconfigs())
                .containsExactly("clusters/c-1/kubeconfig");
        assertThat(certService.ownership(new ClusterRef("bank", "bank-9", "clusters/bank-9/kubeconfig")).owned())
                .isFalse();
    }

    @Test
    void aClaimConfirmedAgainWritesNothing() {
        provisioner.claim(acme("c-1", "clusters/c-1/kubeconfig"), ACME_SERVER);
        vault.resetCounts();
        provisioner.claim(acme("c-1", "clusters/c-1/kubeconfig"), ACME_SERVER);
        assertThat(vault.requests("POST") + vault.requests("PUT")).isZero();
        assertThat(vault.requests("GET")).as("the cluster's record and its two indexes, each read once").isEqualTo(3);
    }

    @Test
    void theIdIsFreeOnlyOnceEveryServiceHoldingItReleasedIt() {
        provisioner.claim(acme("c-1", "clusters/c-1/kubeconfig"), ACME_SERVER);
        certService.claim(acme("c-1", "clusters/c-1/kubeconfig"), ACME_SERVER);
        assertThat(provisioner.holdersOf("c-1")).containsExactly("cert-service", "provisioner-service");

        // A stranger's release changes nothing.
        certService.release(new ClusterRef("bank", "c-1", "clusters/c-1/kubeconfig"));
        provisioner.release(acme("c-1", "clusters/c-1/kubeconfig"));
        assertThat(provisioner.holdersOf("c-1")).containsExactly("cert-service");
        assertThatThrownBy(() -> provisioner.claim(new ClusterRef("bank", "c-1", "clusters/bank-1/kubeconfig"), null))
                .as("the cert service still has the cluster's certificates to clean up")
                .isInstanceOf(ClusterClaimedException.class);

        certService.release(acme("c-1", "clusters/c-1/kubeconfig"));
        assertThat(provisioner.ownerOf("c-1")).isEmpty();
        // The id, the path and the server are all free again: a real deletion lets them be used anew.
        provisioner.claim(new ClusterRef("bank", "c-1", "clusters/c-1/kubeconfig"), ACME_SERVER);
        assertThat(certService.ownerOf("c-1")).contains("bank");
        certService.release(acme("c-1", "clusters/c-1/kubeconfig"));
        assertThat(certService.ownerOf("c-1")).as("released by its owner only").contains("bank");
    }

    @Test
    void twoOrganizationsRacingForOneClusterOnTwoServicesGetOneOwner() throws Exception {
        for (int round = 0; round < 10; round++) {
            String clusterId = "race-" + round;
            String path = "clusters/" + clusterId + "/kubeconfig";
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> results = new ArrayList<>();
                for (String org : List.of("acme", "bank")) {
                    for (ClusterClaims service : List.of(provisioner, certService)) {
                        Callable<String> attempt = () -> {
                            start.await();
                            try {
                                service.claim(new ClusterRef(org, clusterId, path), ACME_SERVER);
                                return org;
                            } catch (ClusterClaimedException refused) {
                                return "refused";
                            }
                        };
                        results.add(pool.submit(attempt));
                    }
                }
                start.countDown();
                List<String> outcomes = new ArrayList<>();
                for (Future<String> result : results) {
                    outcomes.add(result.get());
                }
                String owner = provisioner.ownerOf(clusterId).orElseThrow();
                assertThat(outcomes).as("round " + round).filteredOn(o -> !o.equals("refused"))
                        .containsOnly(owner).hasSize(2);
                provisioner.release(new ClusterRef(owner, clusterId, path));
                certService.release(new ClusterRef(owner, clusterId, path));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void oneServerSpeltTwoWaysIsOneServerAndAnotherCaIsAnotherServer() {
        assertThat(ApiServerIdentity.of("HTTPS://Api.Acme.example/", "ca").digest())
                .isEqualTo(ApiServerIdentity.of("https://api.acme.example:443", "ca").digest());
        assertThat(ApiServerIdentity.of("https://api.acme.example", "ca-1").digest())
                .isNotEqualTo(ApiServerIdentity.of("https://api.acme.example", "ca-2").digest());
    }

    private static ClusterRef acme(String clusterId, String path) {
        return new ClusterRef("acme", clusterId, path);
    }

    private ClusterClaims claimsOf(String service, String holder, Map<String, String> prefixes) {
        Map<String, String> settings = new java.util.HashMap<>(prefixes);
        settings.put("KUBECONFIG_VAULT_PREFIX", "clusters");
        settings.put("CLUSTER_CLAIMS_VAULT_PREFIX", VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX);
        var connection = VaultClients.connect(new VaultSettings(vault.endpoint(),
                new Secret(vault.serviceToken(service, settings)), vault.mount()));
        connections.add(connection);
        return new ClusterClaims(new VaultSecrets(connection.kv(), new Retry(new RetrySettings(3,
                Duration.ofMillis(10), Duration.ofMillis(50), 0.5), new SimpleMeterRegistry())),
                VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX, holder);
    }
}
