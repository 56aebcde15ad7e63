package io.zonekeeper.common.vault;

import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.retry.TransientFailureException;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.springframework.vault.core.VaultVersionedKeyValueOperations;
import org.springframework.vault.support.Versioned;

/**
 * The one adapter for secrets in Vault's KV v2 engine: versioned reads, check-and-set writes and destruction, with
 * transient faults retried. Each service's typed stores (an organization's access key, its CAs, a cluster's
 * certificate, a name's claim) sit on top of it. A lost check-and-set race is a transient failure (the record runs
 * again, reads anew and decides again), turned into one here and nowhere else; exceptions never carry the data
 * written.
 */
public final class VaultSecrets {

    private final VaultVersionedKeyValueOperations kv;
    private final Retry retry;

    public VaultSecrets(VaultVersionedKeyValueOperations kv, Retry retry) {
        this.kv = kv;
        this.retry = retry;
    }

    /** The secret's data and the version it was read at, or empty when it does not exist (or was deleted). */
    public Optional<Stored<Map<String, Object>>> read(String path) {
        Versioned<Map<String, Object>> secret = call("read " + path, () -> kv.get(path));
        if (secret == null || !secret.hasData()) {
            return Optional.empty();
        }
        return Optional.of(new Stored<>(secret.getRequiredData(), secret.getVersion().getVersion()));
    }

    /** The current version of the path (0 when it never existed), for the check-and-set of the next write. */
    public int currentVersion(String path) {
        var metadata = call("metadata " + path, () -> kv.opsForKeyValueMetadata().get(path));
        return metadata == null ? 0 : metadata.getCurrentVersion();
    }

    /**
     * Writes if the secret is still at {@code expectedVersion} (0: must not exist); returns the new version. When
     * someone else wrote it first, nothing is written and a {@link TransientFailureException} says so.
     */
    public int write(String path, Map<String, Object> data, int expectedVersion) {
        return writeIfAt(path, data, expectedVersion).orElseThrow(() -> new TransientFailureException(
                "vault write " + path + " (someone else wrote it first)", 1,
                new IllegalStateException("check-and-set at version " + expectedVersion + " lost")));
    }

    /**
     * Writes if the secret is still at {@code expectedVersion} (0: must not exist) and returns the new version;
     * empty, and nothing written, when someone else wrote it first. For callers that decide anew after a lost race.
     */
    public OptionalInt writeIfAt(String path, Map<String, Object> data, int expectedVersion) {
        try {
            return OptionalInt.of(call("write " + path, () -> kv.put(path, Versioned.create(data,
                    Versioned.Version.from(expectedVersion)))).getVersion().getVersion());
        } catch (RuntimeException e) {
            if (VaultErrors.isCheckAndSetConflict(e)) {
                return OptionalInt.empty();
            }
            throw e;
        }
    }

    /**
     * Writes {@code data} if the path holds nothing yet, and returns what it holds afterwards: {@code data}, or what
     * another writer put there first. Of any number of racing writers, exactly one's data stays: a claim.
     */
    public Map<String, Object> createIfAbsent(String path, Map<String, Object> data) {
        if (writeIfAt(path, data, 0).isPresent()) {
            return data;
        }
        // Lost the race: the winner's record is there (unless it was destroyed since, which a retry sorts out).
        return read(path).map(Stored::value).orElseThrow(() -> new TransientFailureException(
                "vault create " + path, 1, new IllegalStateException("written by another and gone again")));
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
