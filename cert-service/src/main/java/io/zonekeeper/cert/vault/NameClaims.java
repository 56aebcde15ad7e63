package io.zonekeeper.cert.vault;

import io.zonekeeper.common.vault.Stored;
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
        Map<String, Object> holder = store.read(path).map(Stored::value)
                .orElseGet(() -> store.createIfAbsent(path, Map.of(ORG_ID, orgId)));
        return String.valueOf(holder.get(ORG_ID));
    }
}
