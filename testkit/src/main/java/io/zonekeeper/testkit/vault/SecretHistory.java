package io.zonekeeper.testkit.vault;

import static io.zonekeeper.testkit.JsonExchange.MAPPER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;

/** Every version of one KV v2 secret, with Vault's version pruning ({@code max_versions}, default 10). */
final class SecretHistory {

    private static final int DEFAULT_MAX_VERSIONS = 10;

    private final TreeMap<Integer, SecretVersion> versions = new TreeMap<>();
    private int currentVersion;
    private int maxVersions;
    private boolean casRequired;
    private Instant createdTime;
    private Instant updatedTime;

    SecretVersion add(JsonNode data, Instant now) {
        currentVersion++;
        SecretVersion version = new SecretVersion(currentVersion, data.deepCopy(), now, null, false);
        versions.put(currentVersion, version);
        if (createdTime == null) {
            createdTime = now;
        }
        updatedTime = now;
        int keep = maxVersions > 0 ? maxVersions : DEFAULT_MAX_VERSIONS;
        while (versions.size() > keep) {
            versions.pollFirstEntry();
        }
        return version;
    }

    int currentVersion() {
        return currentVersion;
    }

    SecretVersion current() {
        return versions.get(currentVersion);
    }

    SecretVersion version(int version) {
        return versions.get(version);
    }

    void delete(List<Integer> which, Instant now) {
        which.forEach(v -> versions.computeIfPresent(v, (k, version) -> version.live() ? version.deleted(now) : version));
        updatedTime = now;
    }

    void undelete(List<Integer> which, Instant now) {
        which.forEach(v -> versions.computeIfPresent(v, (k, version) -> version.destroyed() ? version : version.undeleted()));
        updatedTime = now;
    }

    void destroy(List<Integer> which, Instant now) {
        which.forEach(v -> versions.computeIfPresent(v, (k, version) -> version.destroyedVersion()));
        updatedTime = now;
    }

    void maxVersions(int maxVersions) {
        this.maxVersions = maxVersions;
    }

    void casRequired(boolean casRequired) {
        this.casRequired = casRequired;
    }

    ObjectNode metadataJson() {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("cas_required", casRequired);
        node.put("created_time", createdTime == null ? "" : createdTime.toString());
        node.put("current_version", currentVersion);
        node.putNull("custom_metadata");
        node.put("delete_version_after", "0s");
        node.put("max_versions", maxVersions);
        node.put("oldest_version", versions.isEmpty() ? 0 : versions.firstKey());
        node.put("updated_time", updatedTime == null ? "" : updatedTime.toString());
        ObjectNode all = node.putObject("versions");
        versions.forEach((number, version) -> {
            ObjectNode entry = all.putObject(number.toString());
            entry.put("created_time", version.createdTime().toString());
            entry.put("deletion_time", version.deletionTime() == null ? "" : version.deletionTime().toString());
            entry.put("destroyed", version.destroyed());
        });
        return node;
    }
}
