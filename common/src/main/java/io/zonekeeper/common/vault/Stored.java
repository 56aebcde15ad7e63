package io.zonekeeper.common.vault;

/** A value read from Vault with the KV version it was read at, for the check-and-set of the next write. */
public record Stored<T>(T value, int version) {

    /** The version only: the value is a secret's data. */
    @Override
    public String toString() {
        return "Stored[version=" + version + "]";
    }
}
