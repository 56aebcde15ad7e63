package io.zonekeeper.common.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializes Avro specific records in Confluent's wire format, registering the record's schema under the
 * topic's subject ({@code <topic>-key} or {@code <topic>-value}, Confluent's TopicNameStrategy) unless
 * automatic registration is off, in which case the schema must already be registered there.
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    static {
        GeneratedTypes.trust();
    }

    private final SchemaRegistryClient registry;
    private final boolean isKey;
    private final boolean autoRegister;

    public AvroSerializer(SchemaRegistryClient registry, boolean isKey, boolean autoRegister) {
        this.registry = registry;
        this.isKey = isKey;
        this.autoRegister = autoRegister;
    }

    public static String subject(String topic, boolean isKey) {
        return topic + (isKey ? "-key" : "-value");
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        Schema schema = record.getSchema();
        String subject = subject(topic, isKey);
        int id = autoRegister ? registry.register(subject, schema) : registry.idOf(subject, schema);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            out.write(ConfluentWire.MAGIC_BYTE);
            out.write(new byte[] {(byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            new SpecificDatumWriter<T>(schema).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new AvroSerdeException(AvroSerdeException.Problem.UNDECODABLE_PAYLOAD,
                    "cannot encode " + schema.getFullName() + " for " + subject + ": " + e.getClass().getSimpleName(), e);
        }
    }
}
