package io.zonekeeper.common.vault;

import io.zonekeeper.common.config.VaultSettings;
import java.net.http.HttpClient;
import java.time.Duration;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.vault.authentication.TokenAuthentication;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.core.VaultVersionedKeyValueOperations;

/** Builds Spring Vault's template for the configured Vault, over the JDK's HTTP client with explicit timeouts. */
public final class VaultClients {

    private VaultClients() {
    }

    public static VaultTemplate template(VaultSettings settings) {
        // Chosen explicitly rather than by Spring's classpath detection, so a library that happens to bring
        // another HTTP client cannot change how Vault is reached.
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
        requests.setReadTimeout(Duration.ofSeconds(15));
        return new VaultTemplate(VaultEndpoint.from(settings.address()), requests,
                () -> new TokenAuthentication(settings.token().value()).login());
    }

    public static VaultVersionedKeyValueOperations kv(VaultTemplate template, VaultSettings settings) {
        return template.opsForVersionedKeyValue(settings.kvMount());
    }
}
