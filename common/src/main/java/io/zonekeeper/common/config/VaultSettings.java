package io.zonekeeper.common.config;

import java.net.URI;

/**
 * Vault's address, how the service logs in, the KV version 2 mount it uses, and the folder of that mount under which
 * the upstream provisioner stores kubeconfigs: the only kubeconfigs the service reads, whatever path an event names
 * (its Vault policy allows no other, so an event naming another path is refused with a reason, not retried).
 */
public record VaultSettings(URI address, VaultAuthentication authentication, String kvMount, String kubeconfigPrefix) {

    public static final String DEFAULT_KUBECONFIG_PREFIX = "clusters";

    /** Token authentication, kubeconfigs under the default prefix. */
    public VaultSettings(URI address, Secret token, String kvMount) {
        this(address, new VaultAuthentication.Token(token), kvMount, DEFAULT_KUBECONFIG_PREFIX);
    }

    public static VaultSettings read(EnvReader env) {
        String prefix = env.optional("KUBECONFIG_VAULT_PREFIX", DEFAULT_KUBECONFIG_PREFIX).replaceAll("^/+|/+$", "");
        if (prefix.isBlank() || prefix.contains("..") || !prefix.matches("[A-Za-z0-9_./-]+")) {
            env.problem("KUBECONFIG_VAULT_PREFIX must be a relative KV folder such as 'clusters', not '" + prefix + "'");
        }
        return new VaultSettings(
                env.requiredUri("VAULT_ADDR"),
                VaultAuthentication.read(env),
                env.optional("VAULT_KV_MOUNT", "secret"),
                prefix);
    }
}
