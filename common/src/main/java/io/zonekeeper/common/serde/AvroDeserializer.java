package io.zonekeeper.common.serde;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Deserializes Confluent-framed Avro into the specific record type {@code T}, resolving the writer schema (looked
 * up by the id in the record) against {@code T}'s schema, so records written with an older or newer compatible
 * schema still read. Bytes that cannot be read throw {@link AvroSerdeException} saying why; a registry that
 * cannot be reached throws {@link SchemaRegistryUnavailableException}, which is transient.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    static {
        GeneratedTypes.trust();
    }

    private final Class<T> type;
    private final Schema readerSchema;
    private final SchemaRegistryClient registry;
    private final Map<Integer, SpecificDatumReader<T>> readersByWriterId = new ConcurrentHashMap<>();

    public AvroDeserializer(Class<T> type, SchemaRegistryClient registry) {
        this.type = type;
        this.readerSchema = SpecificData.get().getSchema(type);
        this.registry = registry;
    }

    @Override
    public T deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        ConfluentWire.Framed framed = ConfluentWire.unframe(bytes);
        SpecificDatumReader<T> reader = readersByWriterId.computeIfAbsent(framed.schemaId(), this::readerFor);
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(framed.payload().array(),
                    framed.payload().arrayOffset() + framed.payload().position(), framed.payload().remaining(), null);
            T record = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new AvroSerdeException(AvroSerdeException.Problem.UNDECODABLE_PAYLOAD,
                        "payload has bytes left over after a complete " + type.getSimpleName()
                                + " (writer schema id " + framed.schemaId() + ")");
            }
            return record;
        } catch (IllegalArgumentException e) {
            // A logical type's conversion refused the value (a uuid field holding something else): say which field.
            throw new AvroSerdeException(AvroSerdeException.Problem.UNDECODABLE_PAYLOAD, "payload does not decode as "
                    + type.getSimpleName() + " with writer schema id " + framed.schemaId() + ": "
                    + LogicalValues.describeFailure(reader.getSchema(), readerSchema, framed), e);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException
                 | ClassCastException e) {
            throw new AvroSerdeException(AvroSerdeException.Problem.UNDECODABLE_PAYLOAD, "payload does not decode as "
                    + type.getSimpleName() + " with writer schema id " + framed.schemaId() + ": "
                    + e.getClass().getSimpleName(), e);
        }
    }

    private SpecificDatumReader<T> readerFor(int schemaId) {
        Schema writer;
        try {
            writer = registry.schemaById(schemaId);
        } catch (SchemaNotFoundException e) {
            throw new AvroSerdeException(AvroSerdeException.Problem.UNKNOWN_SCHEMA_ID,
                    "unknown schema id " + schemaId + ": the registry has no such schema", e);
        }
        var compatibility = SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new AvroSerdeException(AvroSerdeException.Problem.INCOMPATIBLE_SCHEMA, "writer schema id "
                    + schemaId + " (" + writer.getFullName() + ") cannot be read as " + readerSchema.getFullName()
                    + ": " + compatibility.getResult().getIncompatibilities().stream()
                    .map(i -> i.getType() + " '" + i.getMessage() + "' at " + i.getLocation())
                    .collect(Collectors.joining("; ")));
        }
        return new SpecificDatumReader<>(writer, readerSchema);
    }
}
