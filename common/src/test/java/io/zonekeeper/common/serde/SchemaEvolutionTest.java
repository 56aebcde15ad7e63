package io.zonekeeper.common.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class SchemaEvolutionTest {

    private final ApicurioRegistry registryServer = ApicurioRegistry.shared();
    private final SchemaRegistryClient registry = SchemaRegistries.forTool(registryServer.endpoint().toString());
    /** This test's own topic: the registry is shared by the JVM's tests. */
    private final String topic = "org.clusters.v1-" + java.util.UUID.randomUUID();

    @Test
    void readsRecordsWrittenWithAnOlderSchemaThatLackedAField() throws IOException {
        Schema older = new Schema.Parser().parse("""
                {"type":"record","name":"OrgClusters","namespace":"io.zonekeeper.schemas","fields":[
                  {"name":"orgId","type":"string"},
                  {"name":"orgName","type":"string"},
                  {"name":"runningClusters","type":"int"},
                  {"name":"clusterIds","type":{"type":"array","items":"string"}},
                  {"name":"lastChangedAt","type":{"type":"long","logicalType":"timestamp-millis"}}]}""");
        int id = registry.register(topic + "-value", older);
        GenericRecord record = new GenericData.Record(older);
        record.put("orgId", "o1");
        record.put("orgName", "acme");
        record.put("runningClusters", 1);
        record.put("clusterIds", List.of("c1"));
        record.put("lastChangedAt", 5000L);

        OrgClusters read = new AvroDeserializer<>(OrgClusters.class, registry)
                .deserialize(topic, ConfluentWire.frame(id, encode(older, record)));

        assertThat(read.getClusterIds()).containsExactly("c1");
        assertThat(read.getLastChangedAt()).isEqualTo(Instant.ofEpochMilli(5000));
        assertThat(read.getPendingReapAt()).as("defaulted").isNull();
    }

    @Test
    void refusesAWriterSchemaThatCannotBeResolved() throws IOException {
        Schema unrelated = new Schema.Parser().parse("""
                {"type":"record","name":"OrgClusters","namespace":"io.zonekeeper.schemas","fields":[
                  {"name":"orgId","type":"int"}]}""");
        int id = registry.register(topic + "-value", unrelated);
        GenericRecord record = new GenericData.Record(unrelated);
        record.put("orgId", 7);
        byte[] bytes = ConfluentWire.frame(id, encode(unrelated, record));

        assertThatThrownBy(() -> new AvroDeserializer<>(OrgClusters.class, registry).deserialize(topic, bytes))
                .isInstanceOfSatisfying(AvroSerdeException.class,
                        e -> assertThat(e.problem()).isEqualTo(AvroSerdeException.Problem.INCOMPATIBLE_SCHEMA));
    }

    @Test
    void aUuidFieldThatIsNotOneIsNamedInTheReason() throws IOException {
        Schema shipped = new Schema.Parser().parse(io.zonekeeper.schemas.Contracts.shippedText(
                io.zonekeeper.schemas.ClusterLifecycleEvent.getClassSchema()).orElseThrow());
        int id = registry.register(topic + "-value", shipped);
        GenericRecord record = new GenericData.Record(shipped);
        for (Schema.Field field : shipped.getFields()) {
            record.put(field.name(), field.schema().getType() == Schema.Type.LONG ? (Object) 0L : "x");
        }
        record.put("status", new GenericData.EnumSymbol(shipped.getField("status").schema(), "RUNNING"));
        record.put("eventId", "not-a-uuid");
        byte[] bytes = ConfluentWire.frame(id, encode(shipped, record));

        assertThatThrownBy(() -> new AvroDeserializer<>(io.zonekeeper.schemas.ClusterLifecycleEvent.class, registry)
                .deserialize(topic, bytes))
                .isInstanceOfSatisfying(AvroSerdeException.class,
                        e -> assertThat(e.problem()).isEqualTo(AvroSerdeException.Problem.UNDECODABLE_PAYLOAD))
                .hasMessageContaining("field 'eventId' is not a UUID: 'not-a-uuid'");
    }

    @Test
    void aRegistryUrlIsHttpOrHttpsAndNothingElse() {
        assertThatThrownBy(() -> SchemaRegistries.forTool("mock://scope"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http:// or https://");
        assertThat(SchemaRegistries.forTool("https://registry.example.com:8081, https://other:8081")).isNotNull();
    }

    @Test
    void serializerRegistersUnderTheTopicNameStrategySubject() {
        var record = ConfluentWireFormatTest.orgClusters(1, List.of("c1"), null);
        byte[] value = new AvroSerializer<OrgClusters>(registry, false, true).serialize(topic, record);
        int id = ConfluentWire.unframe(value).schemaId();
        assertThat(registry.idOf(topic + "-value", OrgClusters.getClassSchema())).isEqualTo(id);
        assertThatThrownBy(() -> registry.idOf(topic + "-key", OrgClusters.getClassSchema()))
                .isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void serializerWithoutAutoRegistrationNeedsTheSchemaRegisteredFirst() {
        var record = ConfluentWireFormatTest.orgClusters(1, List.of("c1"), null);
        var strict = new AvroSerializer<OrgClusters>(registry, false, false);
        assertThatThrownBy(() -> strict.serialize(topic, record)).isInstanceOf(SchemaNotFoundException.class);
        registry.register(topic + "-value", OrgClusters.getClassSchema());
        assertThat(strict.serialize(topic, record)).isNotEmpty();
    }

    private static byte[] encode(Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
