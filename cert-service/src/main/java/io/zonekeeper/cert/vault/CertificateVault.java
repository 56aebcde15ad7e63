package io.zonekeeper.cert.vault;

import io.zonekeeper.cert.model.TlsMaterial;
import io.zonekeeper.common.vault.Stored;
import io.zonekeeper.common.vault.VaultSecrets;
import java.util.Map;
import java.util.Optional;

/**
 * Each certificate's material in a KV v2 secret under the keys of a {@code kubernetes.io/tls} Secret, so tools
 * that sync Vault into clusters (Vault Agent, External Secrets) can use it as it is.
 */
public final class CertificateVault {

    public static final String TLS_CRT = "tls.crt";
    public static final String TLS_KEY = "tls.key";
    public static final String CA_CRT = "ca.crt";

    private final VaultSecrets store;

    public CertificateVault(VaultSecrets store) {
        this.store = store;
    }

    public Optional<Stored<TlsMaterial>> read(String path) {
        return store.read(path).filter(s -> s.value().get(TLS_CRT) != null && s.value().get(TLS_KEY) != null)
                .map(s -> new Stored<>(new TlsMaterial(s.value().get(TLS_CRT).toString(),
                        s.value().get(TLS_KEY).toString(), String.valueOf(s.value().getOrDefault(CA_CRT, ""))),
                        s.version()));
    }

    /** Writes the material if the secret is still at {@code expectedVersion}; returns the new version. */
    public int write(String path, TlsMaterial material, int expectedVersion) {
        return store.write(path, Map.of(TLS_CRT, material.certificateChain(), TLS_KEY, material.privateKey(),
                CA_CRT, material.caBundle()), expectedVersion);
    }

    public void destroy(String path) {
        store.destroy(path);
    }
}
