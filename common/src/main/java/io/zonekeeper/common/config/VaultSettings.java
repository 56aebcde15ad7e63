package io.zonekeeper.common.config;

import java.net.URI;

/** Vault's address, how the service logs in, and the KV version 2 mount it uses. */
public record VaultSettings(URI address, VaultAuthentication authentication, String kvMount) {

    /** Token authentication. */
    public VaultSettings(URI address, Secret token, String kvMount) {
        this(address, new VaultAuthentication.Token(token), kvMount);
    }

    public static VaultSettings read(EnvReader env) {
        return new VaultSettings(
                env.requiredUri("VAULT_ADDR"),
                VaultAuthentication.read(env),
                env.optional("VAULT_KV_MOUNT", "secret"));
    }
}
