package io.zonekeeper.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.dlq.Rejections;
import io.zonekeeper.common.kafka.OrgRecordRouter.Route;
import io.zonekeeper.common.kafka.OrgRecordRouter.Tombstones;
import io.zonekeeper.common.kafka.RecordHandler.Outcome;
import io.zonekeeper.common.retry.RejectedRecordException;
import io.zonekeeper.common.retry.TransientFailureException;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgAction;
import io.zonekeeper.schemas.OrgCommand;
import io.zonekeeper.schemas.ResourceType;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OrgRecordRouterTest {

    private static final String LIFECYCLE = "lifecycle";
    private static final String COMMANDS = "commands";

    private static ApicurioRegistry registryServer;
    private static SchemaRegistryClient registry;

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final List<String> applied = new ArrayList<>();

    @BeforeAll
    static void startRegistry() {
        registryServer = ApicurioRegistry.shared();
        registry = SchemaRegistries.forTool(registryServer.endpoint().toString());
    }


    private OrgRecordRouter router(RuntimeException thrownByLifecycle) {
        var identity = new ServiceIdentity("test-service", "pod-1");
        var rejections = new Rejections(new DeadLetterPublisher(producer, identity, ".dlq", Clock.systemUTC(),
                new SimpleMeterRegistry()), new AuditPublisher(producer, new AvroSerializer<>(registry, false, true),
                "audit", identity, ServiceClock.of(Clock.systemUTC(), "system clock")));
        return new OrgRecordRouter(List.of(
                new Route<>(LIFECYCLE, ClusterLifecycleEvent.class, ResourceType.LIFECYCLE_EVENT,
                        ClusterLifecycleEvent::getOrgId, Tombstones.REJECT, (event, orgId, record) -> {
                            if (thrownByLifecycle != null) {
                                throw thrownByLifecycle;
                            }
                            applied.add("lifecycle " + orgId + " " + event.getClusterId());
                            return Outcome.DONE;
                        }),
                new Route<>(COMMANDS, OrgCommand.class, ResourceType.HOSTED_ZONE, OrgCommand::getOrgId,
                        Tombstones.SKIP, (command, orgId, record) -> {
                            applied.add("command " + orgId);
                            return Outcome.DEFER;
                        })), registry, rejections);
    }

    @Test
    void subscribesToTheTopicsOfItsTableAndRefusesTwoRoutesForOneTopic() {
        assertThat(router(null).topics()).containsExactly(LIFECYCLE, COMMANDS);
        var twice = new Route<>(COMMANDS, OrgCommand.class, ResourceType.HOSTED_ZONE, OrgCommand::getOrgId,
                Tombstones.SKIP, (command, orgId, record) -> Outcome.DONE);
        assertThatThrownBy(() -> new OrgRecordRouter(List.of(twice, twice), registry, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two routes for topic commands");
    }

    @Test
    void appliesEachTopicsRecordsWithTheirOrganizationAndReturnsTheRoutesOutcome() throws Exception {
        OrgRecordRouter router = router(null);
        assertThat(router.handle(record(LIFECYCLE, "org-1", event("org-1")))).isEqualTo(Outcome.DONE);
        assertThat(router.handle(record(COMMANDS, "org-2", command("org-2")))).isEqualTo(Outcome.DEFER);
        assertThat(applied).containsExactly("lifecycle org-1 c-1", "command org-2");
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void deadLettersARecordWhoseKeyIsNotTheOrganizationItCarriesOnEveryRoute() throws Exception {
        OrgRecordRouter router = router(null);
        router.handle(record(LIFECYCLE, "org-2", event("org-1")));
        router.handle(record(COMMANDS, null, command("org-1")));
        assertThat(applied).isEmpty();
        assertThat(deadLetterReasons()).containsExactly(
                "record key 'org-2' is not the organization id 'org-1': keys must be orgId so an organization's"
                        + " records stay in order",
                "record key 'null' is not the organization id 'org-1': keys must be orgId so an organization's"
                        + " records stay in order");
        assertThat(rejectionAudits()).extracting(AuditEvent::getResourceType)
                .containsExactly(ResourceType.LIFECYCLE_EVENT, ResourceType.HOSTED_ZONE);
    }

    @Test
    void deadLettersAnOrganizationIdThatIsNotAValidIdentifier() throws Exception {
        router(null).handle(record(LIFECYCLE, "../org-1", event("../org-1")));
        assertThat(applied).isEmpty();
        assertThat(deadLetterReasons()).hasSize(1);
        assertThat(rejectionAudits()).singleElement().satisfies(audit -> assertThat(audit.getOrgId()).isNull());
    }

    @Test
    void tombstonesAreDeadLetteredOrSkippedAsTheRouteSays() throws Exception {
        OrgRecordRouter router = router(null);
        assertThat(router.handle(new ConsumerRecord<>(LIFECYCLE, 0, 7, key("org-1"), null))).isEqualTo(Outcome.DONE);
        assertThat(router.handle(new ConsumerRecord<>(COMMANDS, 0, 8, key("org-1"), null))).isEqualTo(Outcome.DONE);
        assertThat(applied).isEmpty();
        assertThat(deadLetterReasons()).containsExactly("tombstone on lifecycle: nothing to apply");
    }

    @Test
    void deadLettersAnUndecodableRecordWithTheDecodersReason() throws Exception {
        router(null).handle(new ConsumerRecord<>(LIFECYCLE, 0, 3, key("org-1"),
                "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8)));
        assertThat(deadLetterReasons()).singleElement().satisfies(r -> assertThat(r).startsWith("undecodable record: "));
        assertThat(rejectionAudits()).singleElement().satisfies(audit -> {
            assertThat(audit.getOrgId()).isEqualTo("org-1");
            assertThat(audit.getResourceId()).isEqualTo("lifecycle-0@3");
        });
    }

    @Test
    void aRejectionThrownWhileApplyingIsDeadLetteredWithItsReason() throws Exception {
        router(new RejectedRecordException("zone acme.example.com belongs to another organization") {
        }).handle(record(LIFECYCLE, "org-1", event("org-1")));
        assertThat(deadLetterReasons()).containsExactly("zone acme.example.com belongs to another organization");
        assertThat(rejectionAudits()).singleElement()
                .satisfies(audit -> assertThat(audit.getResourceType()).isEqualTo(ResourceType.LIFECYCLE_EVENT));
    }

    @Test
    void everyOtherFailureGoesToTheConsumerToClassify() {
        var transientFault = new TransientFailureException("route53 ListHostedZones", 3, new RuntimeException("503"));
        assertThatThrownBy(() -> router(transientFault).handle(record(LIFECYCLE, "org-1", event("org-1"))))
                .isSameAs(transientFault);
        var bug = new IllegalStateException("a bug");
        assertThatThrownBy(() -> router(bug).handle(record(LIFECYCLE, "org-1", event("org-1")))).isSameAs(bug);
        assertThatThrownBy(() -> router(null).handle(record("elsewhere", "org-1", event("org-1"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no route for topic elsewhere");
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void aFailureTheConsumerFoundUnexpectedIsDeadLetteredAndAuditedAsARejectionOfWhatItsTopicCarries() {
        OrgRecordRouter router = router(null);
        router.rejectUnexpected(record(COMMANDS, "org-1", command("org-1")), "unexpected NullPointerException while"
                + " processing", new NullPointerException());
        assertThat(deadLetterReasons()).containsExactly("unexpected NullPointerException while processing");
        assertThat(rejectionAudits()).singleElement().satisfies(audit -> {
            assertThat(audit.getResourceType()).isEqualTo(ResourceType.HOSTED_ZONE);
            assertThat(audit.getOrgId()).isEqualTo("org-1");
            assertThat(audit.getReason()).isEqualTo("unexpected NullPointerException while processing");
        });
    }

    private static ClusterLifecycleEvent event(String orgId) {
        return ClusterLifecycleEvent.newBuilder().setEventId(UUID.randomUUID()).setOrgId(orgId).setOrgName("acme")
                .setClusterId("c-1").setClusterName("one").setStatus(ClusterStatus.RUNNING)
                .setCloud("amazon").setRegion("eu-west-1").setKubeconfigVaultPath("clusters/c-1/kubeconfig")
                .setOccurredAt(Instant.now()).build();
    }

    private static OrgCommand command(String orgId) {
        return OrgCommand.newBuilder().setCommandId(UUID.randomUUID()).setOrgId(orgId).setAction(OrgAction.RECONCILE)
                .setIssuedBy("test").setIssuedAt(Instant.now()).build();
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, String key,
                                                        org.apache.avro.specific.SpecificRecord value) {
        return new ConsumerRecord<>(topic, 0, 0, key(key), new AvroSerializer<>(registry, false, true)
                .serialize(topic, value));
    }

    private static byte[] key(String key) {
        return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    }

    private List<String> deadLetterReasons() {
        return producer.history().stream().filter(r -> r.topic().endsWith(".dlq"))
                .map(r -> new String(r.headers().lastHeader(DeadLetterPublisher.REASON).value(), StandardCharsets.UTF_8))
                .toList();
    }

    private List<AuditEvent> rejectionAudits() {
        var deserializer = new AvroDeserializer<>(AuditEvent.class, registry);
        return producer.history().stream().filter(r -> r.topic().equals("audit"))
                .map((ProducerRecord<byte[], byte[]> r) -> deserializer.deserialize(r.topic(), r.value()))
                .filter(a -> a.getAction() == AuditAction.REJECTED).toList();
    }
}
