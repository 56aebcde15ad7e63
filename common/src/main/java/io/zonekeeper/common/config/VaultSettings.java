package io.zonekeeper.common.config;

import java.net.URI;

/**
 * Vault's address, how the service logs in, the KV version 2 mount it uses, the folder of that mount under which
 * the upstream provisioner stores kubeconfigs (the only kubeconfigs the service reads, whatever path an event names:
 * its Vault policy allows no other, so an event naming another path is refused with a reason, not retried), and the
 * folder where the services record which organization each cluster belongs to (shared by both services, so they
 * decide ownership the same way).
 */
public record VaultSettings(URI address, VaultAuthentication authentication, String kvMount, String kubeconfigPrefix,
                            String clusterClaimsPrefix) {

    public static final String DEFAULT_KUBECONFIG_PREFIX = "clusters";
    public static final String DEFAULT_CLUSTER_CLAIMS_PREFIX = "zonekeeper/claims";

    /** Token authentication, kubeconfigs and claims under the default prefixes. */
    public VaultSettings(URI address, Secret token, String kvMount) {
        this(address, new VaultAuthentication.Token(token), kvMount, DEFAULT_KUBECONFIG_PREFIX,
                DEFAULT_CLUSTER_CLAIMS_PREFIX);
    }

    public static final Setting<URI> ADDRESS = Setting.uri("VAULT_ADDR", "Vault (or OpenBao) address");
    public static final Setting<String> KV_MOUNT = Setting.text("VAULT_KV_MOUNT", "secret", "KV version 2 mount");
    public static final Setting<String> KUBECONFIG_PREFIX = folder("KUBECONFIG_VAULT_PREFIX",
            DEFAULT_KUBECONFIG_PREFIX, "the folder of the mount under which the upstream stores kubeconfigs");
    public static final Setting<String> CLUSTER_CLAIMS_PREFIX = folder("CLUSTER_CLAIMS_VAULT_PREFIX",
            DEFAULT_CLUSTER_CLAIMS_PREFIX, "the folder where each cluster's owner is recorded");

    public static VaultSettings read(EnvReader env) {
        return new VaultSettings(
                ADDRESS.read(env),
                VaultAuthentication.read(env),
                KV_MOUNT.read(env),
                KUBECONFIG_PREFIX.read(env),
                CLUSTER_CLAIMS_PREFIX.read(env));
    }

    /** A folder of the KV mount, without leading or trailing slashes. */
    private static Setting<String> folder(String name, String defaultValue, String description) {
        return Setting.of(name, defaultValue, description, env -> {
            String prefix = env.optional(name, defaultValue).replaceAll("^/+|/+$", "");
            if (prefix.isBlank() || prefix.contains("..") || !prefix.matches("[A-Za-z0-9_./-]+")) {
                env.problem(name + " must be a relative KV folder such as '" + defaultValue + "', not '" + prefix
                        + "'");
            }
            return prefix;
        });
    }
}
