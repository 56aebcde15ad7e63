package io.zonekeeper.common.config;

/** A configuration value that must never be printed: {@link #toString()} masks it. */
public record Secret(String value) {

    public Secret {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("a secret must not be empty");
        }
    }

    public static final String MASK = "****";

    @Override
    public String toString() {
        return MASK;
    }
}
