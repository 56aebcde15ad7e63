package io.zonekeeper.common.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Where an organization's records land: every topic Zonekeeper consumes is keyed by orgId, partitioned by Kafka's
 * Java client (the upstream's topics through the {@link Ingress}) and has the same partition count, so an
 * organization has one partition number on all of them, and the instance that owns it is the organization's one
 * writer. A scheduler uses this to send commands only for the organizations it owns.
 */
public final class OrgPartitions {

    private OrgPartitions() {
    }

    /** The partition Kafka's default partitioner gives a record keyed by {@code orgId}. */
    public static int of(String orgId, int partitions) {
        return of(orgId.getBytes(StandardCharsets.UTF_8), partitions);
    }

    /** The partition Kafka's default partitioner gives a record with this serialized key. */
    public static int of(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }
}
