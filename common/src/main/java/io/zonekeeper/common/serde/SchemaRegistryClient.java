package io.zonekeeper.common.serde;

import org.apache.avro.Schema;

/**
 * The part of a Confluent-compatible schema registry the serdes need. Ids are global: one schema has one id
 * whatever subject it is registered under.
 */
public interface SchemaRegistryClient {

    /** Registers {@code schema} under {@code subject} (idempotent) and returns its id. */
    int register(String subject, Schema schema);

    /** The id of {@code schema} already registered under {@code subject}; {@link SchemaNotFoundException} if not. */
    int idOf(String subject, Schema schema);

    /** The schema with this id; {@link SchemaNotFoundException} if the registry does not know it. */
    Schema schemaById(int id);

    /**
     * The compatibility level the registry applies to new versions of {@code subject}: the subject's own, or the
     * registry's global one when the subject has none ({@code BACKWARD}, {@code FULL_TRANSITIVE}...).
     */
    String compatibility(String subject);

    /** Sets {@code subject}'s own compatibility level; {@link AvroSerdeException} if the registry refuses. */
    void setCompatibility(String subject, String level);
}
