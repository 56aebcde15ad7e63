package io.zonekeeper.common.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.AuditOutcome;
import io.zonekeeper.schemas.ResourceType;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AuditPublisherTest {

    private static ApicurioRegistry registryServer;
    private static SchemaRegistryClient registry;
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final AuditPublisher audit = new AuditPublisher(producer, new AvroSerializer<>(registry, false, true),
            "audit.v1", new ServiceIdentity("provisioner-service", "pod-1"),
            ServiceClock.of(Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC), "fixed test clock"));

    @BeforeAll
    static void startRegistry() {
        registryServer = ApicurioRegistry.shared();
        registry = SchemaRegistries.forTool(registryServer.endpoint().toString());
    }


    @Test
    void publishesOneEventKeyedByOrganizationWithWhoAndWhen() {
        audit.publish(Audit.succeeded(AuditAction.CREATED, ResourceType.HOSTED_ZONE, "Z123", "org-1", "evt-1")
                .withCluster("c-1").withDetails(Map.of("zoneName", "acme.example.com.")));

        var sent = producer.history().get(0);
        assertThat(sent.topic()).isEqualTo("audit.v1");
        assertThat(new String(sent.key(), StandardCharsets.UTF_8)).isEqualTo("org-1");
        AuditEvent event = new AvroDeserializer<>(AuditEvent.class, registry).deserialize("audit.v1", sent.value());
        assertThat(event.getService()).isEqualTo("provisioner-service");
        assertThat(event.getInstance()).isEqualTo("pod-1");
        assertThat(event.getOccurredAt()).isEqualTo(Instant.parse("2026-11-23T10:00:00Z"));
        assertThat(event.getAction()).isEqualTo(AuditAction.CREATED);
        assertThat(event.getResourceType()).isEqualTo(ResourceType.HOSTED_ZONE);
        assertThat(event.getResourceId()).isEqualTo("Z123");
        assertThat(event.getOutcome()).isEqualTo(AuditOutcome.SUCCEEDED);
        assertThat(event.getCauseEventId()).isEqualTo("evt-1");
        assertThat(event.getClusterId()).isEqualTo("c-1");
        assertThat(event.getDetails()).containsEntry("zoneName", "acme.example.com.");
        assertThat(event.getClock()).isEqualTo("fixed test clock");
    }

    @Test
    void eventsOnTheSystemClockSaySo() {
        new AuditPublisher(producer, new AvroSerializer<>(registry, false, true), "audit.v1",
                new ServiceIdentity("provisioner-service", "pod-1"), ServiceClock.system())
                .publish(Audit.succeeded(AuditAction.CREATED, ResourceType.HOSTED_ZONE, "Z123", "org-1", "evt-1"));
        AuditEvent event = new AvroDeserializer<>(AuditEvent.class, registry).deserialize("audit.v1",
                producer.history().get(0).value());
        assertThat(event.getClock()).isEqualTo(ServiceClock.SYSTEM);
    }

    @Test
    void rejectionsWithoutAValidOrganizationStillGetAKey() {
        audit.publish(Audit.refused(AuditAction.REJECTED, ResourceType.LIFECYCLE_EVENT, "cluster.lifecycle.v1-0@7",
                null, null, "undecodable record"));
        assertThat(new String(producer.history().get(0).key(), StandardCharsets.UTF_8))
                .isEqualTo(AuditPublisher.NO_ORGANIZATION_KEY);
    }

    @Test
    void whatAnAdapterDidBecomesOneEventAndNothingWhenUnchanged() {
        AuditTrail trail = new AuditTrail(audit, "evt-1", "org-1", "c-1");
        trail.record(ResourceChange.UNCHANGED, ResourceType.HOSTED_ZONE, "Z123", null, Map.of());
        trail.record(ResourceChange.CREATED, ResourceType.HOSTED_ZONE, "Z123", null, Map.of());
        trail.record(ResourceChange.UPDATED, ResourceType.IAM_POLICY, "arn:aws:iam::1:policy/p", null, Map.of());
        trail.record(ResourceChange.DELETED, ResourceType.ZONE_DELEGATION, "Z0/acme.example.com.", null, Map.of());
        // A Secret written into a cluster, new or replaced, is INJECTED: credentials and certificates alike.
        trail.record(ResourceChange.CREATED, ResourceType.KUBERNETES_SECRET, "Secret/external-dns-aws-credentials", null,
                Map.of());
        trail.record(ResourceChange.UPDATED, ResourceType.TLS_SECRET, "zonekeeper/prod-1-tls", null, Map.of());
        trail.record(ResourceChange.DELETED, ResourceType.TLS_SECRET, "zonekeeper/prod-1-tls", null, Map.of());
        trail.awaitDurable();

        var deserializer = new AvroDeserializer<>(AuditEvent.class, registry);
        assertThat(producer.history()).map(r -> deserializer.deserialize("audit.v1", r.value()))
                .extracting(AuditEvent::getAction, AuditEvent::getResourceType)
                .containsExactly(
                        tuple(AuditAction.CREATED, ResourceType.HOSTED_ZONE),
                        tuple(AuditAction.UPDATED, ResourceType.IAM_POLICY),
                        tuple(AuditAction.DELETED, ResourceType.ZONE_DELEGATION),
                        tuple(AuditAction.INJECTED, ResourceType.KUBERNETES_SECRET),
                        tuple(AuditAction.INJECTED, ResourceType.TLS_SECRET),
                        tuple(AuditAction.DELETED, ResourceType.TLS_SECRET));
    }
}
