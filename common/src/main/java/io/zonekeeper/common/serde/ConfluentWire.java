package io.zonekeeper.common.serde;

import java.nio.ByteBuffer;

/**
 * Confluent's wire format for Avro records: one magic byte 0, the writer schema's registry id as a 4-byte
 * big-endian integer, then the Avro binary encoding of the record. Keeping to it byte for byte lets Zonekeeper's
 * topics be read and written by any Confluent-compatible client.
 */
public final class ConfluentWire {

    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_LENGTH = 5;

    /** A record split into its writer schema id and its Avro payload. */
    public record Framed(int schemaId, ByteBuffer payload) {
    }

    private ConfluentWire() {
    }

    public static byte[] frame(int schemaId, byte[] avroPayload) {
        return ByteBuffer.allocate(HEADER_LENGTH + avroPayload.length)
                .put(MAGIC_BYTE)
                .putInt(schemaId)
                .put(avroPayload)
                .array();
    }

    public static Framed unframe(byte[] bytes) {
        if (bytes.length < HEADER_LENGTH) {
            throw new AvroSerdeException(AvroSerdeException.Problem.TOO_SHORT, "record of " + bytes.length
                    + " bytes is too short for the Confluent wire format (magic byte, 4-byte schema id, Avro payload)");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        byte magic = buffer.get();
        if (magic != MAGIC_BYTE) {
            throw new AvroSerdeException(AvroSerdeException.Problem.UNKNOWN_MAGIC_BYTE,
                    String.format("unknown magic byte 0x%02x (expected 0x00): not a Confluent-framed Avro record", magic));
        }
        int schemaId = buffer.getInt();
        return new Framed(schemaId, buffer.slice());
    }
}
