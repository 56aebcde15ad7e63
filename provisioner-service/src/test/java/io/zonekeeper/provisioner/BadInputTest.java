package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.ConfluentWire;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.Contracts;
import io.zonekeeper.schemas.OrgDnsStatus;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.EncoderFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A corpus of records that can never be applied, between good ones: dead-lettered with reasons, nothing stops. */
class BadInputTest {

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void deadLettersEachBadRecordWithItsReasonWhileGoodRecordsAroundThemAreApplied() {
        world.cluster("good-1");
        world.cluster("good-2");
        world.startService("provisioner-" + world.suffix);
        var serializer = new AvroSerializer<ClusterLifecycleEvent>(world.registry, false, true);
        byte[] valid = serializer.serialize(world.lifecycleTopic,
                ProvisionerWorld.event("org-x", "xcorp", "x-1", ClusterStatus.RUNNING));

        world.emit(ProvisionerWorld.event("org-1", "acme", "good-1", ClusterStatus.RUNNING));
        world.sendRaw(world.lifecycleTopic, "org-x", "{\"orgId\":\"org-x\"}".getBytes(StandardCharsets.UTF_8));
        world.sendRaw(world.lifecycleTopic, "org-x", Arrays.copyOf(valid, valid.length - 4));
        world.sendRaw(world.lifecycleTopic, "org-x", ConfluentWire.frame(98765, new byte[] {2, 4, 6}));
        world.emit(ProvisionerWorld.event("org-y", "not.a.label", "y-1", ClusterStatus.RUNNING));
        world.emit(ProvisionerWorld.event("org-z", "zcorp", "bad/cluster", ClusterStatus.RUNNING));
        var missingKubeconfig = ProvisionerWorld.event("org-1", "acme", "ghost", ClusterStatus.RUNNING);
        world.emit(missingKubeconfig);
        world.sendRaw(world.lifecycleTopic, "someone-else", serializer.serialize(world.lifecycleTopic,
                ProvisionerWorld.event("org-w", "wcorp", "w-1", ClusterStatus.RUNNING)));
        // What the reaper used to dead-letter and this service applied (or failed on unexpectedly): one validation
        // now, before anything is made, in all three.
        world.emit(ClusterLifecycleEvent.newBuilder(ProvisionerWorld.event("org-f", "fcorp", "good-1",
                ClusterStatus.RUNNING)).setOccurredAt(ProvisionerWorld.CLOCK.now().plus(Duration.ofHours(3))).build());
        world.sendRaw(world.lifecycleTopic, "org-u", withEventId(world, "org-u", "not-a-uuid"));
        world.emit(ClusterLifecycleEvent.newBuilder(ProvisionerWorld.event("org-k", "kcorp", "good-1",
                ClusterStatus.RUNNING)).setKubeconfigVaultPath("secret/zonekeeper/orgs/org-1").build());
        world.emit(ProvisionerWorld.event("org-2", "globex", "good-2", ClusterStatus.RUNNING));

        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY);
        await().atMost(Duration.ofSeconds(30)).until(() -> world.deadLetters().size() == 10);

        Map<String, String> reasons = world.deadLetters().stream().collect(Collectors.toMap(
                r -> r.offset() + "@" + r.headers().lastHeader(DeadLetterPublisher.SOURCE_OFFSET) , BadInputTest::reason));
        List<String> all = reasons.values().stream().sorted().toList();
        assertThat(all).anySatisfy(r -> assertThat(r).contains("unknown magic byte"))
                .anySatisfy(r -> assertThat(r).contains("does not decode"))
                .anySatisfy(r -> assertThat(r).contains("unknown schema id 98765"))
                .anySatisfy(r -> assertThat(r).contains("'not.a.label' is not a single DNS label"))
                .anySatisfy(r -> assertThat(r).contains("cluster id 'bad/cluster' is unusable"))
                .anySatisfy(r -> assertThat(r).contains("no kubeconfig at Vault path 'clusters/ghost/kubeconfig'"))
                .anySatisfy(r -> assertThat(r).contains("record key 'someone-else' is not the organization id"))
                .anySatisfy(r -> assertThat(r).startsWith("occurredAt: ").contains("ahead of this service's clock"))
                .anySatisfy(r -> assertThat(r).contains("field 'eventId' is not a UUID: 'not-a-uuid'"))
                .anySatisfy(r -> assertThat(r).startsWith("kubeconfigVaultPath: 'secret/zonekeeper/orgs/org-1' is outside"))
                .noneSatisfy(r -> assertThat(r).containsIgnoringCase("unexpected"));
        for (ConsumerRecord<byte[], byte[]> dead : world.deadLetters()) {
            assertThat(header(dead, DeadLetterPublisher.SOURCE_TOPIC)).isEqualTo(world.lifecycleTopic);
            assertThat(header(dead, DeadLetterPublisher.SERVICE)).isEqualTo(ProvisionerConfig.SERVICE);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> world.audits().stream()
                .filter(a -> a.getAction() == AuditAction.REJECTED).count() == 10);
        assertThat(world.orgStates()).containsOnlyKeys("org-1", "org-2");
    }

    @Test
    void anOrganizationNamedLikeAChildOfAnotherIsRejectedAndTheOtherIsUntouched() {
        world.cluster("a-1");
        world.cluster("ba-1");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-a", "a", "a-1", ClusterStatus.RUNNING));
        var a = world.awaitState("org-a", s -> s.getStatus() == OrgDnsStatus.READY);
        world.aws.resetCounts();
        int auditsOfA = (int) world.audits().stream().filter(e -> "org-a".equals(e.getOrgId())).count();

        world.emit(ProvisionerWorld.event("org-ba", "b.a", "ba-1", ClusterStatus.RUNNING));

        await().atMost(Duration.ofSeconds(30)).until(() -> world.deadLetters().size() == 1);
        assertThat(reason(world.deadLetters().get(0))).contains("'b.a' is not a single DNS label");
        assertThat(world.mutatingAwsCalls()).isZero();
        assertThat(world.route53.listHostedZones().hostedZones()).extracting(z -> z.name())
                .containsExactlyInAnyOrder("example.com.", "a.example.com.");
        assertThat(world.route53.listResourceRecordSets(r -> r.hostedZoneId(a.getZoneId())).resourceRecordSets())
                .noneSatisfy(set -> assertThat(set.name()).contains("b.a"));
        assertThat(world.orgStates().get("org-a")).isEqualTo(a);
        assertThat(world.audits().stream().filter(e -> "org-a".equals(e.getOrgId())).count()).isEqualTo(auditsOfA);
        assertThat(world.audits()).filteredOn(e -> e.getAction() == AuditAction.REJECTED)
                .extracting(AuditEvent::getOrgId).containsExactly("org-ba");
    }

    @Test
    void aKubeconfigNotYetInVaultMakesNothingAndTheSameEventSentAgainLaterWorks() {
        world.startService("provisioner-" + world.suffix);
        world.aws.resetCounts();
        var early = ProvisionerWorld.event("org-n", "newcorp", "later-1", ClusterStatus.RUNNING);
        world.emit(early);

        await().atMost(Duration.ofSeconds(30)).until(() -> world.deadLetters().size() == 1);
        assertThat(reason(world.deadLetters().get(0))).contains("no kubeconfig at Vault path 'clusters/later-1/kubeconfig'");
        // Nothing billed that nothing would reap: no zone, user or key, and no state the reaper would wait on.
        assertThat(world.mutatingAwsCalls()).isZero();
        assertThat(world.orgStates()).doesNotContainKey("org-n");

        world.cluster("later-1");
        world.emit(ClusterLifecycleEvent.newBuilder(early).setEventId(java.util.UUID.randomUUID()).build());
        world.awaitState("org-n", s -> s.getStatus() == OrgDnsStatus.READY);
    }

    /** A lifecycle event as a producer without Avro's uuid conversion could write it: any string as its event id. */
    static byte[] withEventId(ProvisionerWorld world, String orgId, String eventId) {
        Schema schema = new Schema.Parser().parse(Contracts.shippedText(ClusterLifecycleEvent.getClassSchema())
                .orElseThrow());
        GenericRecord record = new GenericData.Record(schema);
        ClusterLifecycleEvent valid = ProvisionerWorld.event(orgId, "ucorp", "good-1", ClusterStatus.RUNNING);
        for (Schema.Field field : schema.getFields()) {
            Object value = valid.get(field.name());
            record.put(field.name(), value instanceof Enum<?> e ? new GenericData.EnumSymbol(field.schema(), e.name())
                    : value instanceof java.time.Instant t ? t.toEpochMilli() : value);
        }
        record.put("eventId", eventId);
        try {
            var out = new java.io.ByteArrayOutputStream();
            var encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
            encoder.flush();
            int id = world.registry.register(world.lifecycleTopic + "-value", schema);
            return ConfluentWire.frame(id, out.toByteArray());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String reason(ConsumerRecord<byte[], byte[]> record) {
        return header(record, DeadLetterPublisher.REASON);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
        return new String(record.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }
}
