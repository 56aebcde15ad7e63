package io.zonekeeper.common.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.Map;
import org.springframework.vault.core.VaultVersionedKeyValueOperations;
import org.springframework.vault.support.Versioned;

/**
 * Connects to a cluster's API server with the kubeconfig the upstream provisioner stored in Vault (KV v2, key
 * {@value #KUBECONFIG_KEY}). fabric8's own request retries are off: callers retry through the shared helper with
 * {@link KubernetesErrors#isRetryable}, so an unreachable cluster pauses only its organization's work.
 */
public final class ClusterClients implements AutoCloseable {

    public static final String KUBECONFIG_KEY = "kubeconfig";

    private static final int MAX_CACHED_CLIENTS = 256;

    private final VaultVersionedKeyValueOperations kv;
    private final String kubeconfigPrefix;
    /**
     * One for every client: fabric8 otherwise gives each client its own ObjectMapper, with its own introspection of
     * the Kubernetes model. The chaos run found this: a provisioner of 384 MB holding clients for a few hundred
     * clusters spent its time in full GCs, its heap holding 194,000 Jackson AnnotatedMethods and 160,000 Methods.
     */
    private final KubernetesSerialization serialization = new KubernetesSerialization();
    private final Duration requestTimeout;
    /** kubeconfig -> client, least recently used evicted (and closed) beyond the limit. Guarded by itself. */
    private final Map<String, KubernetesClient> cache = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, KubernetesClient> eldest) {
            if (size() > MAX_CACHED_CLIENTS) {
                eldest.getValue().close();
                return true;
            }
            return false;
        }
    };

    /** Reads kubeconfigs under {@code kubeconfigPrefix} of the mount only ({@code KUBECONFIG_VAULT_PREFIX}). */
    public ClusterClients(VaultVersionedKeyValueOperations kv, String kubeconfigPrefix, Duration requestTimeout) {
        this.kv = kv;
        this.kubeconfigPrefix = kubeconfigPrefix;
        this.requestTimeout = requestTimeout;
    }

    /**
     * Reads the kubeconfig at {@code vaultPath} and returns a client for its current context. Clients are cached
     * by kubeconfig content (a new kubeconfig in Vault gets a new client) and shared: callers must not close them.
     * Building a client per event would build an HTTP client and connection pool per event.
     */
    public KubernetesClient connect(String vaultPath) {
        if (!vaultPath.startsWith(kubeconfigPrefix + "/")) {
            // The service's Vault policy would refuse the read with a 403, which is transient: the organization would
            // wait forever on a path no retry can fix. Refused here, the record is dead-lettered with the reason.
            throw new KubeconfigUnusableException("kubeconfig Vault path '" + vaultPath + "' is outside '"
                    + kubeconfigPrefix + "/' (KUBECONFIG_VAULT_PREFIX), the only kubeconfigs this service reads");
        }
        Versioned<Map<String, Object>> secret = kv.get(vaultPath);
        if (secret == null || !secret.hasData() || secret.getRequiredData().get(KUBECONFIG_KEY) == null) {
            throw new KubeconfigUnusableException("no kubeconfig at Vault path '" + vaultPath + "' (key '"
                    + KUBECONFIG_KEY + "')");
        }
        String kubeconfig = String.valueOf(secret.getRequiredData().get(KUBECONFIG_KEY));
        synchronized (cache) {
            KubernetesClient cached = cache.get(kubeconfig);
            if (cached != null) {
                return cached;
            }
        }
        KubernetesClient client = fromKubeconfig(kubeconfig, vaultPath);
        synchronized (cache) {
            KubernetesClient raced = cache.putIfAbsent(kubeconfig, client);
            if (raced != null) {
                client.close();
                return raced;
            }
            return client;
        }
    }

    /** Closes every cached client. */
    @Override
    public void close() {
        synchronized (cache) {
            cache.values().forEach(KubernetesClient::close);
            cache.clear();
        }
    }

    KubernetesClient fromKubeconfig(String kubeconfig, String source) {
        Config config;
        try {
            config = Config.fromKubeconfig(kubeconfig);
        } catch (RuntimeException e) {
            // fabric8's parse errors may echo the document; report only where it came from.
            throw new KubeconfigUnusableException("kubeconfig at Vault path '" + source + "' cannot be parsed");
        }
        if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
            throw new KubeconfigUnusableException("kubeconfig at Vault path '" + source + "' names no API server");
        }
        config.setRequestRetryBackoffLimit(0);
        config.setConnectionTimeout((int) Duration.ofSeconds(5).toMillis());
        config.setRequestTimeout((int) requestTimeout.toMillis());
        return new KubernetesClientBuilder().withConfig(config).withKubernetesSerialization(serialization).build();
    }
}
