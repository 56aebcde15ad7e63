package io.zonekeeper.common.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.testkit.faults.Fault;
import io.zonekeeper.testkit.faults.FaultProxy;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The REST client against a real registry (Apicurio Registry's Confluent API), directly and through the fault proxy.
 * The registry is shared by the JVM's tests: subjects here are this test's own.
 */
class RestSchemaRegistryClientTest {

    private final ApicurioRegistry server = ApicurioRegistry.shared();
    private final FaultProxy proxy = FaultProxy.start(server.endpoint(), 7);
    /** The proxy in front of the registry, at the registry's API path. */
    private final URI proxied = proxy.endpoint().resolve(server.endpoint().getPath());
    private final String suffix = "-" + UUID.randomUUID();
    private final Retry retry = new Retry(new RetrySettings(4, Duration.ofMillis(5), Duration.ofMillis(20), 0.5),
            new SimpleMeterRegistry());

    @AfterEach
    void stop() {
        proxy.close();
    }

    @Test
    void registersOnceAndFetchesById() {
        var client = new RestSchemaRegistryClient(server.endpoint(), retry, RegistryAccess.NONE);
        int id = client.register("cluster.lifecycle.v1-value" + suffix, ClusterLifecycleEvent.getClassSchema());
        assertThat(client.register("cluster.lifecycle.v1-value" + suffix, ClusterLifecycleEvent.getClassSchema())).isEqualTo(id);
        assertThat(client.idOf("cluster.lifecycle.v1-value" + suffix, ClusterLifecycleEvent.getClassSchema())).isEqualTo(id);
        // What the registry holds is the shipped .avsc, which the generated class reads as its own.
        Schema registered = new RestSchemaRegistryClient(server.endpoint(), retry, RegistryAccess.NONE).schemaById(id);
        assertThat(registered.toString()).doesNotContain("avro.java.string");
        assertThat(SchemaNormalization.toParsingForm(registered))
                .isEqualTo(SchemaNormalization.toParsingForm(ClusterLifecycleEvent.getClassSchema()));
    }

    @Test
    void idsAreGlobalAcrossSubjects() {
        var client = new RestSchemaRegistryClient(server.endpoint(), retry, RegistryAccess.NONE);
        int a = client.register("a-value" + suffix, OrgClusters.getClassSchema());
        int b = client.register("b-value" + suffix, OrgClusters.getClassSchema());
        assertThat(a).isEqualTo(b);
    }

    @Test
    void unknownIdsAndSubjectsAreNotFound() {
        var client = new RestSchemaRegistryClient(server.endpoint(), retry, RegistryAccess.NONE);
        assertThatThrownBy(() -> client.schemaById(999_999)).isInstanceOf(SchemaNotFoundException.class);
        assertThatThrownBy(() -> client.idOf("nothing-value" + suffix, OrgClusters.getClassSchema()))
                .isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void anIncompatibleNewVersionIsRejectedNotRetried() {
        var client = new RestSchemaRegistryClient(proxied, retry, RegistryAccess.NONE);
        client.register("org.clusters.v1-value" + suffix, OrgClusters.getClassSchema());
        Schema breaking = new Schema.Parser().parse(OrgClusters.getClassSchema().toString()
                .replace("\"fields\":[", "\"fields\":[{\"name\":\"tenantTier\",\"type\":\"string\"},"));
        proxy.resetCounts();
        assertThatThrownBy(() -> client.register("org.clusters.v1-value" + suffix, breaking))
                .isInstanceOfSatisfying(AvroSerdeException.class,
                        e -> assertThat(e.problem()).isEqualTo(AvroSerdeException.Problem.SCHEMA_REJECTED))
                .hasMessageContaining("409");
        assertThat(proxy.requestCounts().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
    }

    @Test
    void serverErrorsAndDroppedConnectionsAreRetried() {
        var client = new RestSchemaRegistryClient(proxied, retry, RegistryAccess.NONE);
        proxy.failNext(1, Fault.SERVER_ERROR);
        proxy.failNext(1, Fault.DROP_CONNECTION);
        int id = client.register("cluster.lifecycle.v1-value" + suffix, ClusterLifecycleEvent.getClassSchema());
        assertThat(id).isPositive();
        assertThat(proxy.faultCounts().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2);
    }

    @Test
    void aRegistryThatStaysDownIsUnavailableNotBadData() {
        var client = new RestSchemaRegistryClient(proxied, retry, RegistryAccess.NONE);
        proxy.refuseConnections(true);
        assertThatThrownBy(() -> client.schemaById(999_998)).isInstanceOf(SchemaRegistryUnavailableException.class);
        proxy.refuseConnections(false);
        assertThatThrownBy(() -> client.schemaById(999_998)).isInstanceOf(SchemaNotFoundException.class);
    }
}
