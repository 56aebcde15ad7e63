package io.zonekeeper.world;

import io.zonekeeper.common.config.ConsumerSettings;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.testkit.kubernetes.SimulatedCluster;
import io.zonekeeper.testkit.kubernetes.SimulatedClusters;
import io.zonekeeper.testkit.vault.OpenBaoMount;
import io.zonekeeper.testkit.vault.OpenBaoServer;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link KafkaWorld} for the services that keep secrets and reach clusters: an OpenBao mount of its own whose
 * token holds the service's shipped policy only (a policy too narrow fails the tests), simulated clusters whose
 * kubeconfigs the upstream stored in Vault, and a consumer group of the test's choosing.
 */
public class ServiceWorld<S extends AutoCloseable> extends KafkaWorld<S> {

    /** OpenBao, a KV mount of this world's own behind a counting proxy. */
    public final OpenBaoMount vault = OpenBaoMount.create(OpenBaoServer.shared(), "kv-" + suffix);
    /** The service's token: its shipped least-privilege policy only. */
    public final String vaultToken;
    public final SimulatedClusters simulated = new SimulatedClusters(vault);
    public final Map<String, SimulatedCluster> clusters = simulated.all();

    /**
     * @param policy          the service's shipped Vault policy ({@code ServicePolicies})
     * @param policyVariables the settings its policy's paths are written with, beside the kubeconfig and claims
     *                        folders every service reads
     */
    protected ServiceWorld(String policy, Map<String, String> policyVariables) {
        Map<String, String> variables = new HashMap<>(policyVariables);
        variables.put("KUBECONFIG_VAULT_PREFIX", SimulatedClusters.KUBECONFIG_PREFIX);
        variables.put("CLUSTER_CLAIMS_VAULT_PREFIX", VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX);
        vaultToken = vault.serviceToken(policy, variables);
    }

    /** A simulated cluster whose kubeconfig the upstream provisioner stored in Vault. */
    public SimulatedCluster cluster(String clusterId) {
        return simulated.get(clusterId);
    }

    public static String kubeconfigPath(String clusterId) {
        return SimulatedClusters.kubeconfigPath(clusterId);
    }

    /**
     * What every service of this world reads: {@link KafkaWorld#environment()}, Vault under the service's token, and
     * retries and grace short enough for tests. A service's world adds its own settings.
     */
    @Override
    protected ServiceEnvironment environment() {
        return super.environment().vault(vault.endpoint(), vault.mount(), vaultToken)
                .set(RetrySettings.INITIAL_DELAY, "20ms").set(RetrySettings.MAX_DELAY, "200ms")
                .set(ConsumerSettings.SHUTDOWN_GRACE, "1s");
    }

    @Override
    public void close() {
        super.close();
        simulated.close();
        vault.close();
    }
}
