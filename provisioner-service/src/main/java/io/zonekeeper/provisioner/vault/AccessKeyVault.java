package io.zonekeeper.provisioner.vault;

import io.zonekeeper.common.vault.VaultSecrets;
import java.util.Map;
import java.util.Optional;

/** Each organization's access key in Vault, one KV v2 secret per organization, written with check-and-set. */
public final class AccessKeyVault {

    static final String ACCESS_KEY_ID = "accessKeyId";
    static final String SECRET_ACCESS_KEY = "secretAccessKey";

    private final VaultSecrets secrets;

    public AccessKeyVault(VaultSecrets secrets) {
        this.secrets = secrets;
    }

    public Optional<StoredKey> read(String path) {
        return secrets.read(path).filter(s -> s.value().get(ACCESS_KEY_ID) != null)
                .map(s -> new StoredKey(String.valueOf(s.value().get(ACCESS_KEY_ID)),
                        String.valueOf(s.value().get(SECRET_ACCESS_KEY)), s.version()));
    }

    /** Current KV version of the path (0 when it never existed), for the check-and-set of the next write. */
    public int currentVersion(String path) {
        return secrets.currentVersion(path);
    }

    /**
     * Writes a key if the secret is still at {@code expectedVersion}; a lost race surfaces as a Vault exception
     * that {@link io.zonekeeper.common.vault.VaultErrors#isCheckAndSetConflict} recognises. Returns the new version.
     */
    public int write(String path, String accessKeyId, String secretAccessKey, int expectedVersion) {
        return secrets.write(path, Map.of(ACCESS_KEY_ID, accessKeyId, SECRET_ACCESS_KEY, secretAccessKey),
                expectedVersion);
    }

    /** Deletes every version and the metadata of the secret. */
    public void destroy(String path) {
        secrets.destroy(path);
    }
}
