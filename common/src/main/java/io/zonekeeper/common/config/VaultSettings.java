package io.zonekeeper.common.config;

import java.net.URI;

/** Vault's address, the token the service authenticates with, and the KV version 2 mount it uses. */
public record VaultSettings(URI address, Secret token, String kvMount) {

    public static VaultSettings read(EnvReader env) {
        return new VaultSettings(
                env.requiredUri("VAULT_ADDR"),
                env.requiredSecret("VAULT_TOKEN"),
                env.optional("VAULT_KV_MOUNT", "secret"));
    }
}
