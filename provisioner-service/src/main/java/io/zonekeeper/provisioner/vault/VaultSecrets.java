package io.zonekeeper.provisioner.vault;

import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.vault.VaultErrors;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.vault.core.VaultVersionedKeyValueOperations;
import org.springframework.vault.support.Versioned;

/** Organization access keys in Vault's KV v2 engine, written with check-and-set. */
public final class VaultSecrets {

    static final String ACCESS_KEY_ID = "accessKeyId";
    static final String SECRET_ACCESS_KEY = "secretAccessKey";

    private final VaultVersionedKeyValueOperations kv;
    private final Retry retry;

    public VaultSecrets(VaultVersionedKeyValueOperations kv, Retry retry) {
        this.kv = kv;
        this.retry = retry;
    }

    public Optional<StoredKey> read(String path) {
        Versioned<Map<String, Object>> secret = call("read " + path, () -> kv.get(path));
        if (secret == null || !secret.hasData() || secret.getRequiredData().get(ACCESS_KEY_ID) == null) {
            return Optional.empty();
        }
        Map<String, Object> data = secret.getRequiredData();
        return Optional.of(new StoredKey(String.valueOf(data.get(ACCESS_KEY_ID)), String.valueOf(data.get(SECRET_ACCESS_KEY)),
                secret.getVersion().getVersion()));
    }

    /** Current KV version of the path (0 when it never existed), for the check-and-set of the next write. */
    public int currentVersion(String path) {
        var metadata = call("metadata " + path, () -> kv.opsForKeyValueMetadata().get(path));
        return metadata == null ? 0 : metadata.getCurrentVersion();
    }

    /**
     * Writes a key if the secret is still at {@code expectedVersion}; a lost race surfaces as a Vault exception
     * that {@link VaultErrors#isCheckAndSetConflict} recognises. Returns the new version.
     */
    public int write(String path, String accessKeyId, String secretAccessKey, int expectedVersion) {
        return call("write " + path, () -> kv.put(path, Versioned.create(Map.of(ACCESS_KEY_ID, accessKeyId,
                SECRET_ACCESS_KEY, secretAccessKey), Versioned.Version.from(expectedVersion)))).getVersion().getVersion();
    }

    /** Deletes every version and the metadata of the secret. */
    public void destroy(String path) {
        call("destroy " + path, () -> {
            kv.opsForKeyValueMetadata().delete(path);
            return null;
        });
    }

    private <T> T call(String operation, Supplier<T> request) {
        return retry.call("vault " + operation, VaultErrors::isRetryable, request::get);
    }
}
