package io.zonekeeper.common.serde;

/** The schema registry could not be reached or answered with a server error: transient, retry later. */
public final class SchemaRegistryUnavailableException extends RuntimeException {

    public SchemaRegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
