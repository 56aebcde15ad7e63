package io.zonekeeper.common.serde;

import java.io.IOException;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;

/**
 * Finds which field's value its logical type refused. Avro's conversions throw without naming the field (a uuid
 * that is not one gives only "Invalid UUID string"), so the payload is read again without conversions and each
 * top-level uuid field checked: the dead letter's reason names the field, as every other validation does.
 */
final class LogicalValues {

    private static final int MAX_VALUE = 64;

    private LogicalValues() {
    }

    static String describeFailure(Schema writer, Schema reader, ConfluentWire.Framed framed) {
        try {
            GenericRecord plain = new GenericDatumReader<GenericRecord>(writer, reader, new GenericData())
                    .read(null, DecoderFactory.get().binaryDecoder(framed.payload().array(),
                            framed.payload().arrayOffset() + framed.payload().position(), framed.payload().remaining(),
                            null));
            for (Schema.Field field : reader.getFields()) {
                Object value = plain.get(field.name());
                if (value != null && "uuid".equals(logicalType(field.schema()))) {
                    try {
                        UUID.fromString(value.toString());
                    } catch (IllegalArgumentException e) {
                        return "field '" + field.name() + "' is not a UUID: '" + shortened(value.toString()) + "'";
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // The plain reading failed too: fall through to the general reason.
        }
        return "a value does not convert to its logical type";
    }

    private static String logicalType(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            for (Schema branch : schema.getTypes()) {
                if (branch.getLogicalType() != null) {
                    return branch.getLogicalType().getName();
                }
            }
            return null;
        }
        return schema.getLogicalType() == null ? null : schema.getLogicalType().getName();
    }

    private static String shortened(String value) {
        return value.length() <= MAX_VALUE ? value : value.substring(0, MAX_VALUE) + "…";
    }
}
