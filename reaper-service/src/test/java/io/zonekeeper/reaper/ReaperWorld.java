package io.zonekeeper.reaper;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.kafka.KafkaClients;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.RegistryAccess;
import io.zonekeeper.common.serde.RestSchemaRegistryClient;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.kafka.IngressTopics;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.SharedKafka;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import io.zonekeeper.testkit.time.SettableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The reaper's surroundings for one test: its own topics on the shared broker, a schema registry, and reaper
 * instances started exactly as in production, from an environment map.
 */
final class ReaperWorld implements AutoCloseable {

    final KafkaBroker kafka = SharedKafka.get();
    final ApicurioRegistry registryServer = ApicurioRegistry.shared();
    final String suffix = UUID.randomUUID().toString().substring(0, 8);
    /** The upstream's lifecycle topic (where {@link #emit} writes), the by-organization copy the reaper reads. */
    final IngressTopics ingress = IngressTopics.create(kafka, suffix, 3);
    final ReaperConfig.Topics topics = new ReaperConfig.Topics(ingress.lifecycleByOrg(), "dns-" + suffix, "clusters-" + suffix, "reap-" + suffix,
            "audit-" + suffix);
    final SchemaRegistryClient registry = new RestSchemaRegistryClient(registryServer.endpoint(),
            new Retry(new RetrySettings(3, Duration.ofMillis(10), Duration.ofMillis(50), 0.5), new SimpleMeterRegistry()),
            RegistryAccess.NONE);
    private final KafkaClients clients = new KafkaClients(new KafkaSettings(kafka.bootstrapServers(),
            registryServer.endpoint().toString(), Map.of()), new ServiceIdentity("test", "local"));
    private final Producer<byte[], byte[]> producer = clients.producer();
    /** What the upstream and the provisioner write with; made before any record, as a service's wiring does. */
    private final AvroSerializer<SpecificRecord> serializer = new AvroSerializer<>(registry, false, true);
    private final List<ReaperService> running = new ArrayList<>();
    /** Every instance's clock; it stands still unless a test moves it, on no particular date. */
    final SettableClock clock = new SettableClock(Instant.parse("2026-03-10T08:00:00Z"));

    ReaperWorld() {
        for (String topic : List.of(topics.reap(), topics.audit())) {
            kafka.createTopic(topic, 3, false);
        }
        kafka.createTopic(topics.orgDns(), 3, true);
        kafka.createTopic(topics.orgClusters(), 3, true);
    }

    ReaperService start(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", registryServer.endpoint().toString());
        env.putAll(ingress.env());
        env.put("ORG_DNS_TOPIC", topics.orgDns());
        env.put("ORG_CLUSTERS_TOPIC", topics.orgClusters());
        env.put("REAP_TOPIC", topics.reap());
        env.put("AUDIT_TOPIC", topics.audit());
        env.put("APPLICATION_ID", "reaper-" + suffix);
        try {
            env.put("STATE_DIR", Files.createTempDirectory("reaper-state").toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        env.put("HTTP_PORT", "0");
        env.put("QUERY_ADVERTISED_HOST", "127.0.0.1");
        env.put("REAP_MONTH_END_MARGIN", "1ms");
        env.put("PUNCTUATE_EVERY", "1s");
        // A closed Streams member is not removed before its session times out: keep the broker's minimum.
        env.put("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "6000");
        env.putAll(overrides);
        ReaperService service = ReaperService.start(ReaperConfig.read(new EnvReader(env)),
                ServiceClock.of(clock, "test clock"));
        running.add(service);
        return service;
    }

    void stop(ReaperService service) {
        service.close();
        running.remove(service);
    }

    void emit(String orgId, String orgName, String clusterId, ClusterStatus status, Instant at) {
        send(ingress.lifecycle(), orgId, ClusterLifecycleEvent.newBuilder().setEventId(UUID.randomUUID())
                .setOccurredAt(at).setOrgId(orgId).setOrgName(orgName).setClusterId(clusterId)
                .setClusterName("c").setStatus(status).setCloud("amazon").setRegion("eu-west-1")
                .setKubeconfigVaultPath("clusters/k").build());
    }

    void zone(String orgId, String orgName, String zoneId, Instant createdAt) {
        send(topics.orgDns(), orgId, OrgDnsState.newBuilder().setOrgId(orgId).setOrgName(orgName)
                .setBaseDomain("example.com").setStatus(OrgDnsStatus.READY).setZoneName(orgName + ".example.com.")
                .setZoneId(zoneId).setZoneGeneration(1).setZoneCreatedAt(createdAt).setUpdatedAt(clock.instant()).build());
    }

    void send(String topic, String key, SpecificRecord value) {
        try {
            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                    serializer.serialize(topic, value))).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    OrgClusters latestOrgClusters() {
        var deserializer = new AvroDeserializer<>(OrgClusters.class, registry);
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(topics.orgClusters());
        return records.isEmpty() ? null
                : deserializer.deserialize(topics.orgClusters(), records.get(records.size() - 1).value());
    }

    List<AuditAction> audits() {
        var deserializer = new AvroDeserializer<>(AuditEvent.class, registry);
        return kafka.readAll(topics.audit()).stream().map(r -> deserializer.deserialize(topics.audit(), r.value()))
                .map(AuditEvent::getAction).toList();
    }

    List<ConsumerRecord<byte[], byte[]>> reapCommands() {
        return kafka.readAll(topics.reap());
    }

    @Override
    public void close() {
        new ArrayList<>(running).forEach(this::stop);
        producer.close();
    }
}
