package io.zonekeeper.common.serde;

/** The registry does not know the schema id or subject asked for. */
public final class SchemaNotFoundException extends RuntimeException {

    public SchemaNotFoundException(String message) {
        super(message);
    }
}
