package io.zonekeeper.provisioner.vault;

/** The access key kept in Vault for an organization, with the KV version it was read at. */
public record StoredKey(String accessKeyId, String secretAccessKey, int version) {

    @Override
    public String toString() {
        return "StoredKey[accessKeyId=" + accessKeyId + ", secretAccessKey=****, version=" + version + "]";
    }
}
