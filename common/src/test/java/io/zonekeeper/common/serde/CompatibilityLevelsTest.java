package io.zonekeeper.common.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.Contracts;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import java.util.List;
import java.util.UUID;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * Compatibility levels against a real registry (Apicurio Registry, global level BACKWARD as Confluent's default): a
 * lifecycle schema without the required {@code region} is accepted under BACKWARD, so every reader then fails on
 * it; once the service has set FULL_TRANSITIVE, the registry refuses it with 409.
 */
class CompatibilityLevelsTest {

    private final SchemaRegistryClient registry = SchemaRegistries.forTool(
            ApicurioRegistry.shared().endpoint().toString());
    private final String topic = "cluster.lifecycle.v1-" + UUID.randomUUID();
    private final String subject = topic + "-value";

    /** The shipped lifecycle schema less its required {@code region} field: what an upstream might publish. */
    private static Schema withoutRegion() {
        String text = Contracts.shippedText(ClusterLifecycleEvent.getClassSchema()).orElseThrow();
        Schema shipped = new Schema.Parser().parse(text);
        List<Schema.Field> fields = shipped.getFields().stream().filter(f -> !f.name().equals("region"))
                .map(f -> new Schema.Field(f, f.schema())).toList();
        return Schema.createRecord(shipped.getName(), shipped.getDoc(), shipped.getNamespace(), false, fields);
    }

    @Test
    void theRegistrysDefaultAcceptsAVersionTheServicesCannotRead() {
        registry.register(subject, ClusterLifecycleEvent.getClassSchema());
        assertThat(registry.compatibility(subject)).isEqualTo("BACKWARD");
        int id = registry.register(subject, withoutRegion());
        assertThatThrownBy(() -> new AvroDeserializer<>(ClusterLifecycleEvent.class, registry).deserialize(topic,
                ConfluentWire.frame(id, new byte[0])))
                .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE 'region'");
    }

    @Test
    void aServiceSetsFullTransitiveAndTheRegistryThenRefusesTheIncompatibleVersion() {
        registry.register(subject, ClusterLifecycleEvent.getClassSchema());
        CompatibilityLevels levels = CompatibilityLevels.ensure(registry, CompatibilityLevels.Mode.SET, List.of(topic));

        assertThat(levels.found()).containsEntry(subject, "FULL_TRANSITIVE (set; was BACKWARD)");
        assertThat(registry.compatibility(subject)).isEqualTo("FULL_TRANSITIVE");
        assertThat(levels.check().healthy()).isTrue();
        assertThat(levels.check().detail()).contains(subject);
        assertThatThrownBy(() -> registry.register(subject, withoutRegion()))
                .isInstanceOfSatisfying(AvroSerdeException.class,
                        e -> assertThat(e.problem()).isEqualTo(AvroSerdeException.Problem.SCHEMA_REJECTED))
                .hasMessageContaining("409");
        // A second start finds the level and leaves it.
        assertThat(CompatibilityLevels.ensure(registry, CompatibilityLevels.Mode.SET, List.of(topic)).found())
                .containsEntry(subject, "FULL_TRANSITIVE");
    }

    @Test
    void checkReportsAWeakerLevelAndLeavesIt() {
        CompatibilityLevels levels = CompatibilityLevels.ensure(registry, CompatibilityLevels.Mode.CHECK,
                List.of(topic));
        assertThat(levels.found().get(subject)).startsWith("BACKWARD (SCHEMA_COMPATIBILITY=check");
        assertThat(registry.compatibility(subject)).isEqualTo("BACKWARD");
    }

    @Test
    void anUnreachableRegistryIsReportedNotFatal() {
        CompatibilityLevels levels = CompatibilityLevels.ensure(SchemaRegistries.forTool("http://127.0.0.1:9"),
                CompatibilityLevels.Mode.SET, List.of(topic));
        assertThat(levels.found().get(subject)).startsWith("unknown (");
        assertThat(levels.check().healthy()).isTrue();
    }
}
