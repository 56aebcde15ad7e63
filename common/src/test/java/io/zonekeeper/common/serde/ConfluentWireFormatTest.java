package io.zonekeeper.common.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.schemas.OrgClusters;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * Byte fixtures written by hand from the published formats, not produced by the code under test: Confluent's
 * framing (magic byte 0, big-endian 4-byte schema id) around Avro's binary encoding (zig-zag varints,
 * length-prefixed strings, blocked arrays, union branch index).
 */
class ConfluentWireFormatTest {

    /** A registry that hands out one fixed id, so the id bytes in the fixture are known: 0x01020304. */
    private static final class FixedIdRegistry implements SchemaRegistryClient {
        private final Schema schema;

        FixedIdRegistry(Schema schema) {
            this.schema = schema;
        }

        @Override
        public int register(String subject, Schema s) {
            return 0x01020304;
        }

        @Override
        public int idOf(String subject, Schema s) {
            return 0x01020304;
        }

        @Override
        public Schema schemaById(int id) {
            if (id != 0x01020304) {
                throw new SchemaNotFoundException("no schema " + id);
            }
            return schema;
        }

        @Override
        public String compatibility(String subject) {
            return "FULL_TRANSITIVE";
        }

        @Override
        public void setCompatibility(String subject, String level) {
            throw new AssertionError("the wire format needs no compatibility level");
        }
    }

    private static final byte[] FIXTURE_WITHOUT_REAP = bytes(
            0x00, 0x01, 0x02, 0x03, 0x04,          // magic byte, schema id 16909060 big-endian
            0x04, 'o', '1',                        // orgId "o1": length 2 zig-zagged to 4
            0x08, 'a', 'c', 'm', 'e',              // orgName "acme"
            0x04,                                  // runningClusters 2
            0x04, 0x04, 'c', '1', 0x04, 'c', '2', 0x00, // clusterIds: block of 2 items, then end of array
            0xd0, 0x0f,                            // lastChangedAt 1000 ms: zig-zag 2000 as varint
            0x00);                                 // pendingReapAt: union branch 0, null

    private static final byte[] FIXTURE_WITH_REAP = bytes(
            0x00, 0x01, 0x02, 0x03, 0x04,
            0x04, 'o', '1',
            0x08, 'a', 'c', 'm', 'e',
            0x00,                                  // runningClusters 0
            0x00,                                  // clusterIds: empty array
            0xd0, 0x0f,
            0x02, 0x80, 0x01);                     // pendingReapAt: branch 1, long 64 -> zig-zag 128 -> 0x80 0x01

    private final SchemaRegistryClient registry = new FixedIdRegistry(OrgClusters.getClassSchema());

    @Test
    void serializesToConfluentFramedAvroByteForByte() {
        var record = orgClusters(2, List.of("c1", "c2"), null);
        assertThat(new AvroSerializer<OrgClusters>(registry, false, true).serialize("org.clusters.v1", record))
                .isEqualTo(FIXTURE_WITHOUT_REAP);
        var pending = orgClusters(0, List.of(), Instant.ofEpochMilli(64));
        assertThat(new AvroSerializer<OrgClusters>(registry, false, true).serialize("org.clusters.v1", pending))
                .isEqualTo(FIXTURE_WITH_REAP);
    }

    @Test
    void deserializesHandWrittenFixtures() {
        var deserializer = new AvroDeserializer<>(OrgClusters.class, registry);
        assertThat(deserializer.deserialize("org.clusters.v1", FIXTURE_WITHOUT_REAP))
                .isEqualTo(orgClusters(2, List.of("c1", "c2"), null));
        assertThat(deserializer.deserialize("org.clusters.v1", FIXTURE_WITH_REAP))
                .isEqualTo(orgClusters(0, List.of(), Instant.ofEpochMilli(64)));
    }

    @Test
    void tombstonesStayNull() {
        assertThat(new AvroSerializer<OrgClusters>(registry, false, true).serialize("t", null)).isNull();
        assertThat(new AvroDeserializer<>(OrgClusters.class, registry).deserialize("t", null)).isNull();
    }

    @Test
    void rejectsRecordsTooShortToHoldTheHeader() {
        assertProblem(bytes(0x00, 0x01, 0x02), AvroSerdeException.Problem.TOO_SHORT, "too short");
    }

    @Test
    void rejectsAnUnknownMagicByte() {
        byte[] json = "{\"orgId\":\"o1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertProblem(json, AvroSerdeException.Problem.UNKNOWN_MAGIC_BYTE, "magic byte 0x7b");
    }

    @Test
    void rejectsAnUnknownSchemaId() {
        byte[] other = FIXTURE_WITHOUT_REAP.clone();
        other[4] = 0x05;
        assertProblem(other, AvroSerdeException.Problem.UNKNOWN_SCHEMA_ID, "unknown schema id 16909061");
    }

    @Test
    void rejectsATruncatedPayload() {
        byte[] truncated = java.util.Arrays.copyOf(FIXTURE_WITHOUT_REAP, FIXTURE_WITHOUT_REAP.length - 3);
        assertProblem(truncated, AvroSerdeException.Problem.UNDECODABLE_PAYLOAD, "does not decode");
    }

    @Test
    void rejectsBytesLeftOverAfterTheRecord() {
        byte[] longer = java.util.Arrays.copyOf(FIXTURE_WITHOUT_REAP, FIXTURE_WITHOUT_REAP.length + 2);
        assertProblem(longer, AvroSerdeException.Problem.UNDECODABLE_PAYLOAD, "left over");
    }

    private void assertProblem(byte[] bytes, AvroSerdeException.Problem problem, String message) {
        var deserializer = new AvroDeserializer<>(OrgClusters.class, registry);
        assertThatThrownBy(() -> deserializer.deserialize("org.clusters.v1", bytes))
                .isInstanceOfSatisfying(AvroSerdeException.class, e -> assertThat(e.problem()).isEqualTo(problem))
                .hasMessageContaining(message);
    }

    static OrgClusters orgClusters(int running, List<String> ids, Instant pendingReapAt) {
        return OrgClusters.newBuilder()
                .setOrgId("o1")
                .setOrgName("acme")
                .setRunningClusters(running)
                .setClusterIds(ids)
                .setLastChangedAt(Instant.ofEpochMilli(1000))
                .setPendingReapAt(pendingReapAt)
                .build();
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
