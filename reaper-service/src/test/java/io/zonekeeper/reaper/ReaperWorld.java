package io.zonekeeper.reaper;

import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.TopicSettings;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.time.SettableClock;
import io.zonekeeper.world.KafkaWorld;
import io.zonekeeper.world.ServiceEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The reaper's surroundings for one test on the shared {@link KafkaWorld}: its own topics, and reaper instances
 * started exactly as in production, from an environment map.
 */
final class ReaperWorld extends KafkaWorld<ReaperService> {

    final ReaperConfig.Topics topics = new ReaperConfig.Topics(ingress.lifecycleByOrg(), stateTopic("org.dns.v1"),
            stateTopic("org.clusters.v1"), topic("zone.reap.v1"), auditTopic);
    /** What the upstream and the provisioner write with; made before any record, as a service's wiring does. */
    private final AvroSerializer<SpecificRecord> serializer = new AvroSerializer<>(registry, false, true);
    /** Every instance's clock; it stands still unless a test moves it, on no particular date. */
    final SettableClock clock = new SettableClock(Instant.parse("2026-03-10T08:00:00Z"));

    ReaperWorld() {
        kafka.createTopic(topics.reap(), 3, false);
    }

    ReaperService start(Map<String, String> overrides) {
        String stateDir;
        try {
            stateDir = Files.createTempDirectory("reaper-state").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ServiceEnvironment env = environment()
                .set(TopicSettings.ORG_DNS, topics.orgDns())
                .set(TopicSettings.ORG_CLUSTERS, topics.orgClusters())
                .set(TopicSettings.REAP, topics.reap())
                .set(ReaperConfig.APPLICATION_ID, "reaper-" + suffix)
                .set(ReaperConfig.STATE_DIR, stateDir)
                .set(ReaperConfig.QUERY_ADVERTISED_HOST, "127.0.0.1")
                .set(ReaperConfig.MONTH_END_MARGIN, "1ms")
                .set(ReaperConfig.PUNCTUATE_EVERY, "1s")
                // A closed Streams member is not removed before its session times out: keep the broker's minimum.
                .setAll(Map.of("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "6000"))
                .setAll(overrides);
        ReaperService service = ReaperService.start(ReaperConfig.read(new EnvReader(env(env))),
                ServiceClock.of(clock, "test clock"));
        return started(service);
    }

    void emit(String orgId, String orgName, String clusterId, ClusterStatus status, Instant at) {
        emit(lifecycleEvent(orgId, orgName, clusterId, "c", status, at, "clusters/k"));
    }

    void zone(String orgId, String orgName, String zoneId, Instant createdAt) {
        send(topics.orgDns(), orgId, OrgDnsState.newBuilder().setOrgId(orgId).setOrgName(orgName)
                .setBaseDomain("example.com").setStatus(OrgDnsStatus.READY).setZoneName(orgName + ".example.com.")
                .setZoneId(zoneId).setZoneGeneration(1).setZoneCreatedAt(createdAt).setUpdatedAt(clock.instant()).build());
    }

    @Override
    public RecordMetadata send(String topic, String key, SpecificRecord value) {
        return sendRaw(topic, key, serializer.serialize(topic, value));
    }

    OrgClusters latestOrgClusters() {
        var deserializer = new AvroDeserializer<>(OrgClusters.class, registry);
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(topics.orgClusters());
        return records.isEmpty() ? null
                : deserializer.deserialize(topics.orgClusters(), records.get(records.size() - 1).value());
    }

    List<AuditAction> auditActions() {
        return audits().stream().map(AuditEvent::getAction).toList();
    }

    List<ConsumerRecord<byte[], byte[]>> reapCommands() {
        return kafka.readAll(topics.reap());
    }
}
