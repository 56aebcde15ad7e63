package io.zonekeeper.cert.vault;

import io.zonekeeper.common.vault.VaultErrors;
import io.zonekeeper.common.vault.VaultSecrets;
import java.util.Map;

/**
 * Which organization holds an organization name, recorded in Vault beside the CAs: written once, "only if
 * absent", so of two organizations with one name exactly one gets a CA for it, however their events interleave
 * and on however many instances.
 */
public final class NameClaims {

    private static final String ORG_ID = "orgId";

    private final VaultSecrets store;

    public NameClaims(VaultSecrets store) {
        this.store = store;
    }

    /** The organization holding the name at {@code path}: {@code orgId} if nobody held it, now that it does. */
    public String claim(String path, String orgId) {
        var held = store.read(path);
        if (held.isPresent()) {
            return String.valueOf(held.get().value().get(ORG_ID));
        }
        try {
            store.write(path, Map.of(ORG_ID, orgId), 0);
            return orgId;
        } catch (RuntimeException e) {
            if (VaultErrors.isCheckAndSetConflict(e)) {
                return store.read(path).map(s -> String.valueOf(s.value().get(ORG_ID))).orElseThrow(() -> e);
            }
            throw e;
        }
    }
}
