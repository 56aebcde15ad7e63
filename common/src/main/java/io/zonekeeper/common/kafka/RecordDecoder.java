package io.zonekeeper.common.kafka;

import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerdeException;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes the value of a record consumed as raw bytes. Services consume bytes and decode here, rather than in the
 * consumer's deserializer, so an undecodable record is an {@link UndecodableRecordException} in the service's
 * hands (original bytes intact for the dead-letter topic) instead of a poll that fails forever on one offset.
 */
public final class RecordDecoder<V extends SpecificRecord> {

    private final AvroDeserializer<V> deserializer;

    public RecordDecoder(Class<V> type, SchemaRegistryClient registry) {
        this.deserializer = new AvroDeserializer<>(type, registry);
    }

    /** The record's key as text (keys are organization ids), or null. */
    public static String keyOf(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    }

    /** The decoded value, or null for a tombstone. */
    public V decode(ConsumerRecord<byte[], byte[]> record) {
        try {
            return deserializer.deserialize(record.topic(), record.value());
        } catch (AvroSerdeException e) {
            throw new UndecodableRecordException(record.topic(), record.partition(), record.offset(), e);
        }
    }
}
