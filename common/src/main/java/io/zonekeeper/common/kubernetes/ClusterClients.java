package io.zonekeeper.common.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.vault.core.VaultVersionedKeyValueOperations;
import org.springframework.vault.support.Versioned;

/**
 * Connects to a cluster's API server with the kubeconfig the upstream provisioner stored in Vault (KV v2, key
 * {@value #KUBECONFIG_KEY}), for the organization that owns the cluster only: every connection first claims the
 * cluster, its kubeconfig path and the API server the kubeconfig reaches for the organization, or is refused
 * ({@link ClusterClaims}). This is the one way into a cluster, so no record of one organization reaches another's.
 * fabric8's own request retries are off: callers retry through the shared helper with
 * {@link KubernetesErrors#isRetryable}, so an unreachable cluster pauses only its organization's work.
 */
public final class ClusterClients implements AutoCloseable {

    public static final String KUBECONFIG_KEY = "kubeconfig";

    private static final int MAX_CACHED_CLIENTS = 256;

    private final VaultVersionedKeyValueOperations kv;
    private final String kubeconfigPrefix;
    private final ClusterClaims claims;
    /**
     * One for every client: fabric8 otherwise gives each client its own ObjectMapper, with its own introspection of
     * the Kubernetes model. The chaos run found this: a provisioner of 384 MB holding clients for a few hundred
     * clusters spent its time in full GCs, its heap holding 194,000 Jackson AnnotatedMethods and 160,000 Methods.
     */
    private final KubernetesSerialization serialization = new KubernetesSerialization();
    private final Duration requestTimeout;
    /** kubeconfig -> client, least recently used evicted (and closed) beyond the limit. Guarded by itself. */
    private final Map<String, Connection> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Connection> eldest) {
            if (size() > MAX_CACHED_CLIENTS) {
                eldest.getValue().client().close();
                return true;
            }
            return false;
        }
    };

    /** A client and the API server it reaches. */
    private record Connection(KubernetesClient client, ApiServerIdentity apiServer) {
    }

    /** Reads kubeconfigs under {@code kubeconfigPrefix} of the mount only ({@code KUBECONFIG_VAULT_PREFIX}). */
    public ClusterClients(VaultVersionedKeyValueOperations kv, String kubeconfigPrefix, ClusterClaims claims,
                          Duration requestTimeout) {
        this.kv = kv;
        this.kubeconfigPrefix = kubeconfigPrefix;
        this.claims = claims;
        this.requestTimeout = requestTimeout;
    }

    /**
     * Claims the cluster for its organization (or confirms the claim), then returns a client for the current context
     * of the kubeconfig at its path. Refused with {@link ClusterClaimedException} when the cluster id, the kubeconfig
     * path or the API server the kubeconfig reaches is another's; nothing in the cluster is touched then. Clients are
     * cached by kubeconfig content (a new kubeconfig in Vault gets a new client) and shared: callers must not close
     * them. Building a client per event would build an HTTP client and connection pool per event.
     */
    public KubernetesClient connect(ClusterRef cluster) {
        Connection connection = open(cluster.kubeconfigPath());
        claims.claim(cluster, connection.apiServer());
        return connection.client();
    }

    /**
     * Whether the organization owns the cluster or nobody does, without claiming it; a
     * {@link ClusterClaimedException} when another organization holds it. For records that do not use the cluster.
     */
    public ClusterClaims.Ownership ownership(ClusterRef cluster) {
        return claims.ownership(cluster);
    }

    /** This service is done with the deleted cluster: its part of the claim is released (by the owner only). */
    public void release(ClusterRef cluster) {
        claims.release(cluster);
    }

    private Connection open(String vaultPath) {
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
            Connection cached = cache.get(kubeconfig);
            if (cached != null) {
                return cached;
            }
        }
        Config config = parse(kubeconfig, vaultPath);
        var connection = new Connection(fromConfig(config), ApiServerIdentity.of(config.getMasterUrl(),
                config.getCaCertData() != null ? config.getCaCertData() : config.getCaCertFile()));
        synchronized (cache) {
            Connection raced = cache.putIfAbsent(kubeconfig, connection);
            if (raced != null) {
                connection.client().close();
                return raced;
            }
            return connection;
        }
    }

    /** Closes every cached client. */
    @Override
    public void close() {
        synchronized (cache) {
            cache.values().forEach(c -> c.client().close());
            cache.clear();
        }
    }

    private static Config parse(String kubeconfig, String source) {
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
        return config;
    }

    private KubernetesClient fromConfig(Config config) {
        config.setRequestRetryBackoffLimit(0);
        config.setConnectionTimeout((int) Duration.ofSeconds(5).toMillis());
        config.setRequestTimeout((int) requestTimeout.toMillis());
        return new KubernetesClientBuilder().withConfig(config).withKubernetesSerialization(serialization).build();
    }
}
