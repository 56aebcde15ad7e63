package io.zonekeeper.testkit.vault;

import static io.zonekeeper.testkit.JsonExchange.MAPPER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/** One version of a KV v2 secret. Deleted versions keep their data (undelete restores it); destroyed ones do not. */
record SecretVersion(int version, JsonNode data, Instant createdTime, Instant deletionTime, boolean destroyed) {

    boolean live() {
        return deletionTime == null && !destroyed;
    }

    SecretVersion deleted(Instant at) {
        return new SecretVersion(version, data, createdTime, at, destroyed);
    }

    SecretVersion undeleted() {
        return new SecretVersion(version, data, createdTime, null, destroyed);
    }

    SecretVersion destroyedVersion() {
        return new SecretVersion(version, MAPPER.nullNode(), createdTime, deletionTime, true);
    }

    ObjectNode metadataJson() {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("created_time", createdTime.toString());
        node.putNull("custom_metadata");
        node.put("deletion_time", deletionTime == null ? "" : deletionTime.toString());
        node.put("destroyed", destroyed);
        node.put("version", version);
        return node;
    }
}
