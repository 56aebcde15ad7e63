package io.zonekeeper.cert.vault;

import io.zonekeeper.cert.model.IssuedCertificate;
import io.zonekeeper.cert.model.OrgAuthority;
import io.zonekeeper.cert.model.Pem;
import io.zonekeeper.common.vault.Stored;
import io.zonekeeper.common.vault.VaultSecrets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Each organization's CAs in one KV v2 secret, so a rotation step changes them together or not at all, and
 * check-and-set makes two instances unable to create or rotate the same organization's CA twice. The CA
 * private keys are written here and nowhere else.
 */
public final class AuthorityVault {

    private static final String GENERATION = "generation";
    private static final String CERTIFICATE = "certificate";
    private static final String PRIVATE_KEY = "privateKey";
    private static final String NEXT_CERTIFICATE = "nextCertificate";
    private static final String NEXT_PRIVATE_KEY = "nextPrivateKey";
    private static final String NEXT_STAGED_AT = "nextStagedAt";
    private static final String PREVIOUS_CERTIFICATE = "previousCertificate";
    private static final String PREVIOUS_RETIRED_AT = "previousRetiredAt";

    private final VaultSecrets store;

    public AuthorityVault(VaultSecrets store) {
        this.store = store;
    }

    public Optional<Stored<OrgAuthority>> read(String path) {
        return store.read(path).filter(s -> s.value().get(CERTIFICATE) != null)
                .map(s -> new Stored<>(decode(s.value()), s.version()));
    }

    /**
     * Writes the authority if the secret is still at {@code expectedVersion}; returns the new version (a lost race
     * is a transient failure: read again and decide anew).
     */
    public int write(String path, OrgAuthority authority, int expectedVersion) {
        return store.write(path, encode(authority), expectedVersion);
    }

    /** Writes the organization's first authority unless it has one; the new version, or empty if another won. */
    public OptionalInt create(String path, OrgAuthority authority) {
        return store.writeIfAt(path, encode(authority), 0);
    }

    public void destroy(String path) {
        store.destroy(path);
    }

    private static Map<String, Object> encode(OrgAuthority authority) {
        Map<String, Object> data = new HashMap<>();
        data.put(GENERATION, Integer.toString(authority.generation()));
        data.put(CERTIFICATE, Pem.certificates(List.of(authority.current().certificate())));
        data.put(PRIVATE_KEY, Pem.privateKey(authority.current().privateKey()));
        if (authority.next() != null) {
            data.put(NEXT_CERTIFICATE, Pem.certificates(List.of(authority.next().certificate())));
            data.put(NEXT_PRIVATE_KEY, Pem.privateKey(authority.next().privateKey()));
            data.put(NEXT_STAGED_AT, authority.nextStagedAt().toString());
        }
        if (authority.previous() != null) {
            data.put(PREVIOUS_CERTIFICATE, Pem.certificates(List.of(authority.previous())));
            data.put(PREVIOUS_RETIRED_AT, authority.previousRetiredAt().toString());
        }
        return data;
    }

    private static OrgAuthority decode(Map<String, Object> data) {
        IssuedCertificate current = new IssuedCertificate(certificate(data, CERTIFICATE),
                Pem.parsePrivateKey(string(data, PRIVATE_KEY)));
        IssuedCertificate next = data.get(NEXT_CERTIFICATE) == null ? null : new IssuedCertificate(
                certificate(data, NEXT_CERTIFICATE), Pem.parsePrivateKey(string(data, NEXT_PRIVATE_KEY)));
        X509Certificate previous = data.get(PREVIOUS_CERTIFICATE) == null ? null : certificate(data, PREVIOUS_CERTIFICATE);
        return new OrgAuthority(Integer.parseInt(string(data, GENERATION)), current, next,
                next == null ? null : Instant.parse(string(data, NEXT_STAGED_AT)),
                previous, previous == null ? null : Instant.parse(string(data, PREVIOUS_RETIRED_AT)));
    }

    private static X509Certificate certificate(Map<String, Object> data, String key) {
        return Pem.parseCertificates(string(data, key)).get(0);
    }

    private static String string(Map<String, Object> data, String key) {
        Object value = data.get(key);
        if (value == null) {
            throw new IllegalStateException("the CA secret lacks '" + key + "'");
        }
        return value.toString();
    }
}
