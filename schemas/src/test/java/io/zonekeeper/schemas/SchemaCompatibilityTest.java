package io.zonekeeper.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;

/**
 * Guards the topic contracts: every schema must stay readable by consumers built against the previously
 * released version (forward) and must read data written with it (backward). Released copies live in
 * {@code src/test/resources/released/<version>/}; to release, copy the current {@code .avsc} files into a
 * new version folder and point {@link #RELEASED_VERSION} at it.
 */
class SchemaCompatibilityTest {

    static final String RELEASED_VERSION = "1";
    static final List<String> RELEASED_FILES = List.of(
            "AuditEvent.avsc", "ClusterLifecycleEvent.avsc", "ClusterTlsState.avsc",
            "OrgClusters.avsc", "OrgDnsState.avsc", "ZoneReapCommand.avsc");

    @Test
    void everyReleasedSchemaStillExists() {
        Map<String, Schema> current = currentByName();
        assertThat(current.keySet()).containsAll(released().keySet());
    }

    @Test
    void currentSchemasReadDataWrittenWithReleasedSchemas() {
        Map<String, Schema> current = currentByName();
        released().forEach((name, old) -> assertCompatible(current.get(name), old, name + " (backward)"));
    }

    @Test
    void releasedSchemasReadDataWrittenWithCurrentSchemas() {
        Map<String, Schema> current = currentByName();
        released().forEach((name, old) -> assertCompatible(old, current.get(name), name + " (forward)"));
    }

    @Test
    void checkerRejectsAFieldAddedWithoutDefault() {
        Schema old = released().get("io.zonekeeper.schemas.OrgClusters");
        Schema broken = new Schema.Parser().parse(old.toString().replace(
                "\"fields\":[", "\"fields\":[{\"name\":\"added\",\"type\":\"string\",\"doc\":\"x\"},"));
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(broken, old).getType())
                .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    @Test
    void checkerRejectsAFieldTypeChange() {
        Schema old = released().get("io.zonekeeper.schemas.OrgClusters");
        Schema broken = new Schema.Parser().parse(old.toString().replace(
                "\"name\":\"runningClusters\",\"type\":\"int\"", "\"name\":\"runningClusters\",\"type\":\"string\""));
        assertThat(broken).isNotEqualTo(old);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(broken, old).getType())
                .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    @Test
    void everyFieldIsDocumented() {
        List<String> undocumented = new ArrayList<>();
        Contracts.ALL.forEach(schema -> collectUndocumented(schema, undocumented));
        assertThat(undocumented).isEmpty();
    }

    @Test
    void everyEnumHasADefaultSymbolForForwardCompatibility() {
        List<Schema> enums = new ArrayList<>();
        Contracts.ALL.forEach(schema -> collectEnums(schema, enums, new ArrayList<>()));
        assertThat(enums).isNotEmpty().allSatisfy(e -> assertThat(e.getEnumDefault()).isEqualTo("UNKNOWN"));
    }

    private static void assertCompatible(Schema reader, Schema writer, String what) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        assertThat(result.getType())
                .as("%s: %s", what, result.getResult().getIncompatibilities())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    private static Map<String, Schema> currentByName() {
        return Contracts.ALL.stream().collect(Collectors.toMap(Schema::getFullName, s -> s));
    }

    private static Map<String, Schema> released() {
        Map<String, Schema> byName = new TreeMap<>();
        for (String file : RELEASED_FILES) {
            String resource = "/released/" + RELEASED_VERSION + "/" + file;
            try (InputStream in = SchemaCompatibilityTest.class.getResourceAsStream(resource)) {
                assertThat(in).as(resource).isNotNull();
                Schema schema = new Schema.Parser().parse(in);
                byName.put(schema.getFullName(), schema);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return byName;
    }

    private static void collectUndocumented(Schema schema, List<String> out) {
        if (schema.getType() == Schema.Type.RECORD) {
            for (Schema.Field field : schema.getFields()) {
                if (field.doc() == null || field.doc().isBlank()) {
                    out.add(schema.getName() + "." + field.name());
                }
                collectUndocumented(field.schema(), out);
            }
        } else if (schema.getType() == Schema.Type.UNION) {
            schema.getTypes().forEach(t -> collectUndocumented(t, out));
        }
    }

    private static void collectEnums(Schema schema, List<Schema> out, List<Schema> seen) {
        if (seen.contains(schema)) {
            return;
        }
        seen.add(schema);
        switch (schema.getType()) {
            case ENUM -> out.add(schema);
            case RECORD -> schema.getFields().forEach(f -> collectEnums(f.schema(), out, seen));
            case UNION -> schema.getTypes().forEach(t -> collectEnums(t, out, seen));
            case ARRAY -> collectEnums(schema.getElementType(), out, seen);
            case MAP -> collectEnums(schema.getValueType(), out, seen);
            default -> { }
        }
    }
}
