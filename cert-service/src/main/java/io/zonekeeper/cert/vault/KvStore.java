package io.zonekeeper.cert.vault;

import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.vault.VaultErrors;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.vault.core.VaultVersionedKeyValueOperations;
import org.springframework.vault.support.Versioned;

/**
 * Versioned reads and check-and-set writes of KV v2 secrets, with transient faults retried. A lost race
 * surfaces as a Vault exception {@link VaultErrors#isCheckAndSetConflict} recognises.
 */
final class KvStore {

    private final VaultVersionedKeyValueOperations kv;
    private final Retry retry;

    KvStore(VaultVersionedKeyValueOperations kv, Retry retry) {
        this.kv = kv;
        this.retry = retry;
    }

    Optional<Stored<Map<String, Object>>> read(String path) {
        Versioned<Map<String, Object>> secret = call("read " + path, () -> kv.get(path));
        if (secret == null || !secret.hasData()) {
            return Optional.empty();
        }
        return Optional.of(new Stored<>(secret.getRequiredData(), secret.getVersion().getVersion()));
    }

    /** Writes if the secret is still at {@code expectedVersion} (0: must not exist); returns the new version. */
    int write(String path, Map<String, Object> data, int expectedVersion) {
        return call("write " + path, () -> kv.put(path, Versioned.create(data, Versioned.Version.from(expectedVersion))))
                .getVersion().getVersion();
    }

    /** Deletes every version and the metadata of the secret. */
    void destroy(String path) {
        call("destroy " + path, () -> {
            kv.opsForKeyValueMetadata().delete(path);
            return null;
        });
    }

    private <T> T call(String operation, Supplier<T> request) {
        return retry.call("vault " + operation, VaultErrors::isRetryable, request::get);
    }
}
