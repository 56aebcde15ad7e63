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
import io.zonekeeper.testkit.registry.SchemaRegistryStandIn;
import java.time.Duration;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The REST client against the in-process registry, directly and through the fault proxy. */
class RestSchemaRegistryClientTest {

    private final SchemaRegistryStandIn server = SchemaRegistryStandIn.start();
    private final FaultProxy proxy = FaultProxy.start(server.endpoint(), 7);
    private final Retry retry = new Retry(new RetrySettings(4, Duration.ofMillis(5), Duration.ofMillis(20), 0.5),
            new SimpleMeterRegistry());

    @AfterEach
    void stop() {
        proxy.close();
        server.close();
    }

    @Test
    void registersOnceAndFetchesById() {
        var client = new RestSchemaRegistryClient(server.endpoint(), retry);
        int id = client.register("cluster.lifecycle.v1-value", ClusterLifecycleEvent.getClassSchema());
        assertThat(client.register("cluster.lifecycle.v1-value", ClusterLifecycleEvent.getClassSchema())).isEqualTo(id);
        assertThat(client.idOf("cluster.lifecycle.v1-value", ClusterLifecycleEvent.getClassSchema())).isEqualTo(id);
        assertThat(new RestSchemaRegistryClient(server.endpoint(), retry).schemaById(id))
                .isEqualTo(ClusterLifecycleEvent.getClassSchema());
    }

    @Test
    void idsAreGlobalAcrossSubjects() {
        var client = new RestSchemaRegistryClient(server.endpoint(), retry);
        int a = client.register("a-value", OrgClusters.getClassSchema());
        int b = client.register("b-value", OrgClusters.getClassSchema());
        assertThat(a).isEqualTo(b);
    }

    @Test
    void unknownIdsAndSubjectsAreNotFound() {
        var client = new RestSchemaRegistryClient(server.endpoint(), retry);
        assertThatThrownBy(() -> client.schemaById(999)).isInstanceOf(SchemaNotFoundException.class);
        assertThatThrownBy(() -> client.idOf("nothing-value", OrgClusters.getClassSchema()))
                .isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void anIncompatibleNewVersionIsRejectedNotRetried() {
        var client = new RestSchemaRegistryClient(proxy.endpoint(), retry);
        client.register("org.clusters.v1-value", OrgClusters.getClassSchema());
        Schema breaking = new Schema.Parser().parse(OrgClusters.getClassSchema().toString()
                .replace("\"fields\":[", "\"fields\":[{\"name\":\"tenantTier\",\"type\":\"string\"},"));
        proxy.resetCounts();
        assertThatThrownBy(() -> client.register("org.clusters.v1-value", breaking))
                .isInstanceOfSatisfying(AvroSerdeException.class,
                        e -> assertThat(e.problem()).isEqualTo(AvroSerdeException.Problem.SCHEMA_REJECTED))
                .hasMessageContaining("409");
        assertThat(proxy.requestCounts().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
    }

    @Test
    void serverErrorsAndDroppedConnectionsAreRetried() {
        var client = new RestSchemaRegistryClient(proxy.endpoint(), retry);
        proxy.failNext(1, Fault.SERVER_ERROR);
        proxy.failNext(1, Fault.DROP_CONNECTION);
        int id = client.register("cluster.lifecycle.v1-value", ClusterLifecycleEvent.getClassSchema());
        assertThat(id).isPositive();
        assertThat(proxy.faultCounts().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2);
    }

    @Test
    void aRegistryThatStaysDownIsUnavailableNotBadData() {
        var client = new RestSchemaRegistryClient(proxy.endpoint(), retry);
        proxy.refuseConnections(true);
        assertThatThrownBy(() -> client.schemaById(1)).isInstanceOf(SchemaRegistryUnavailableException.class);
        proxy.refuseConnections(false);
        assertThatThrownBy(() -> client.schemaById(1)).isInstanceOf(SchemaNotFoundException.class);
    }
}
