package io.zonekeeper.cert;

import io.zonekeeper.common.config.VaultSettings;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.cert.model.Pem;
import io.zonekeeper.cert.model.TlsMaterial;
import io.zonekeeper.common.audit.AuditPublisher;
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
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.CertAction;
import io.zonekeeper.schemas.CertCommand;
import io.zonekeeper.schemas.CertificateRequest;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.testkit.kafka.IngressTopics;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.SharedKafka;
import io.zonekeeper.testkit.kubernetes.SimulatedCluster;
import io.zonekeeper.testkit.kubernetes.SimulatedClusters;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.testkit.time.SettableClock;
import io.zonekeeper.testkit.vault.OpenBaoMount;
import io.zonekeeper.testkit.vault.OpenBaoServer;
import io.zonekeeper.testkit.vault.ServicePolicies;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Everything the cert service talks to for one test: its own topics on the shared broker, a schema registry, a
 * Vault, simulated clusters with their kubeconfigs in Vault, a clock the test moves, and the service itself,
 * configured only through the environment map it would read in production.
 */
final class CertWorld implements AutoCloseable {

    static final String BASE_DOMAIN = "zk.example";
    static final String TLS_VAULT_PREFIX = "zonekeeper/tls";
    static final String NAMESPACE = "zonekeeper";

    final KafkaBroker kafka = SharedKafka.get();
    final ApicurioRegistry registryServer = ApicurioRegistry.shared();
    /** Starts the day before a leap day, far from the real date: no test here may depend on the day it runs. */
    final SettableClock clock = new SettableClock(Instant.parse("2028-02-28T21:07:00Z"));
    final String suffix = UUID.randomUUID().toString().substring(0, 8);
    /** OpenBao, a KV mount of this world's own behind a counting proxy. */
    final OpenBaoMount vault = OpenBaoMount.create(OpenBaoServer.shared(), "kv-" + suffix);
    /** The service's token holds the shipped least-privilege policy only, so a policy too narrow fails the tests. */
    final String vaultToken = vault.serviceToken(ServicePolicies.CERT_SERVICE, Map.of(
            "TLS_VAULT_PREFIX", TLS_VAULT_PREFIX, "KUBECONFIG_VAULT_PREFIX", SimulatedClusters.KUBECONFIG_PREFIX,
            "CLUSTER_CLAIMS_VAULT_PREFIX", VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX));
    /** The upstream's topics, their by-organization copies the service reads, and the ingress group. */
    final IngressTopics ingress = IngressTopics.create(kafka, suffix, 3);
    final String lifecycleTopic = ingress.lifecycle();
    final String requestsTopic = ingress.requests();
    final String commandsTopic = "cert.commands.v1-" + suffix;
    final String orgCommandsTopic = "org.commands.v1-" + suffix;
    final String tlsTopic = "cluster.tls.v1-" + suffix;
    final String auditTopic = "audit.v1-" + suffix;
    final SimulatedClusters simulated = new SimulatedClusters(vault);
    final Map<String, SimulatedCluster> clusters = simulated.all();
    final SchemaRegistryClient registry;
    private final KafkaClients clients;
    private final Producer<byte[], byte[]> producer;
    private final List<CertService> services = new ArrayList<>();
    private final Map<String, String> extraEnv = new HashMap<>();

    CertWorld() {
        for (String topic : List.of(commandsTopic, orgCommandsTopic)) {
            kafka.createTopic(topic, 3, false);
            kafka.createTopic(topic + ".dlq", 1, false);
        }
        kafka.createTopic(tlsTopic, 3, true);
        kafka.createTopic(auditTopic, 3, false);
        Retry retry = new Retry(new RetrySettings(3, Duration.ofMillis(10), Duration.ofMillis(50), 0.5),
                new SimpleMeterRegistry());
        registry = new RestSchemaRegistryClient(registryServer.endpoint(), retry, RegistryAccess.NONE);
        clients = new KafkaClients(new KafkaSettings(kafka.bootstrapServers(), registryServer.endpoint().toString(),
                Map.of()), new ServiceIdentity("test-driver", "local"));
        producer = clients.producer();
    }

    /** A simulated cluster whose kubeconfig the upstream provisioner stored in Vault. */
    SimulatedCluster cluster(String clusterId) {
        return simulated.get(clusterId);
    }

    static String kubeconfigPath(String clusterId) {
        return SimulatedClusters.kubeconfigPath(clusterId);
    }

    Map<String, String> env(String consumerGroup) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", registryServer.endpoint().toString());
        env.put("VAULT_ADDR", vault.endpoint().toString());
        env.put("VAULT_TOKEN", vaultToken);
        env.put("TLS_VAULT_PREFIX", TLS_VAULT_PREFIX);
        env.put("VAULT_KV_MOUNT", vault.mount());
        env.put("BASE_DOMAIN", BASE_DOMAIN);
        env.putAll(ingress.env());
        env.put("CERT_COMMANDS_TOPIC", commandsTopic);
        env.put("ORG_COMMANDS_TOPIC", orgCommandsTopic);
        env.put("TLS_STATE_TOPIC", tlsTopic);
        env.put("AUDIT_TOPIC", auditTopic);
        env.put("CONSUMER_GROUP", consumerGroup);
        env.put("HTTP_PORT", "0");
        env.put("RETRY_INITIAL_DELAY", "20ms");
        env.put("RETRY_MAX_DELAY", "200ms");
        env.put("SHUTDOWN_GRACE", "1s");
        // Scans are triggered by the tests (scanNow) against the settable clock.
        env.put("SCHEDULE_EVERY", "1h");
        env.putAll(extraEnv);
        return env;
    }

    void setEnv(String name, String value) {
        extraEnv.put(name, value);
    }

    CertService startService(String consumerGroup) {
        CertService service = CertService.start(CertConfig.read(new EnvReader(env(consumerGroup))),
                ServiceClock.of(clock, "test clock"));
        services.add(service);
        return service;
    }

    /** The services started and not stopped, oldest first. */
    List<CertService> services() {
        return List.copyOf(services);
    }

    void stop(CertService service) {
        service.close();
        services.remove(service);
    }

    ClusterLifecycleEvent event(String orgId, String orgName, String clusterId, String clusterName,
                                       ClusterStatus status) {
        return ClusterLifecycleEvent.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setOrgId(orgId)
                .setOrgName(orgName)
                .setClusterId(clusterId)
                .setClusterName(clusterName)
                .setStatus(status)
                .setCloud("amazon")
                .setRegion("eu-west-1")
                .setKubeconfigVaultPath(kubeconfigPath(clusterId))
                .build();
    }

    RecordMetadata emit(ClusterLifecycleEvent event) {
        return send(lifecycleTopic, event.getOrgId(), event);
    }

    RecordMetadata request(String orgId, String clusterId, String certificateName, String... names) {
        return send(requestsTopic, orgId, CertificateRequest.newBuilder()
                .setRequestId(UUID.randomUUID())
                .setRequestedAt(clock.instant())
                .setRequestedBy("test")
                .setOrgId(orgId)
                .setClusterId(clusterId)
                .setCertificateName(certificateName)
                .setDnsNames(List.of(names))
                .build());
    }

    RecordMetadata command(String orgId, CertAction action) {
        return send(commandsTopic, orgId, CertCommand.newBuilder()
                .setCommandId(UUID.randomUUID())
                .setIssuedAt(clock.instant())
                .setIssuedBy("operator")
                .setOrgId(orgId)
                .setAction(action)
                .setReason("test")
                .build());
    }

    /** What {@code zk reconcile --org} publishes; returns the command id audit events name as their cause. */
    String reconcile(String orgId) {
        return orgCommand(orgId, io.zonekeeper.schemas.OrgAction.RECONCILE);
    }

    /** An organization command on the topic both services read; returns its id. */
    String orgCommand(String orgId, io.zonekeeper.schemas.OrgAction action) {
        UUID commandId = UUID.randomUUID();
        send(orgCommandsTopic, orgId, io.zonekeeper.schemas.OrgCommand.newBuilder().setCommandId(commandId)
                .setIssuedAt(clock.instant()).setIssuedBy("test").setOrgId(orgId).setAction(action).build());
        return commandId.toString();
    }

    /** An audit publisher onto the world's audit topic, for components tested without the whole service. */
    AuditPublisher auditPublisher() {
        return new AuditPublisher(producer, new AvroSerializer<>(registry, false, true), auditTopic,
                new ServiceIdentity(CertConfig.SERVICE, "test"), ServiceClock.of(clock, "test clock"));
    }

    RecordMetadata send(String topic, String key, SpecificRecord value) {
        return sendRaw(topic, key, new AvroSerializer<>(registry, false, true).serialize(topic, value));
    }

    RecordMetadata sendRaw(String topic, String key, byte[] value) {
        try {
            return producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    value)).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The latest state per certificate in cluster.tls.v1 (null value: tombstone). */
    Map<String, ClusterTlsState> states() {
        Map<String, ClusterTlsState> latest = new HashMap<>();
        var deserializer = new AvroDeserializer<>(ClusterTlsState.class, registry);
        for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(tlsTopic)) {
            latest.put(new String(record.key(), StandardCharsets.UTF_8),
                    record.value() == null ? null : deserializer.deserialize(tlsTopic, record.value()));
        }
        return latest;
    }

    /**
     * Waits for the state of the cluster's certificate, whichever organization's key it is under (a test whose cluster
     * ids are not unique across organizations reads {@link #states()} by the whole key).
     */
    ClusterTlsState awaitState(String clusterId, String certificateName, Predicate<ClusterTlsState> condition) {
        ClusterTlsState[] found = new ClusterTlsState[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            ClusterTlsState state = states().entrySet().stream()
                    .filter(e -> e.getKey().endsWith("/" + clusterId + "/" + certificateName))
                    .map(Map.Entry::getValue).filter(java.util.Objects::nonNull).findFirst().orElse(null);
            found[0] = state;
            return state != null && condition.test(state);
        });
        return found[0];
    }

    /** Waits until the consumer group has committed every record of the topic: all of them were applied. */
    /**
     * Waits until the group has committed every record of {@code topic}; for an upstream topic, until the ingress has
     * forwarded all of it and the group has committed all of its by-organization copy.
     */
    void awaitConsumed(String group, String topic) {
        if (topic.equals(lifecycleTopic) || topic.equals(requestsTopic)) {
            awaitCommitted(ingress.group(), topic);
            awaitCommitted(group, topic.equals(lifecycleTopic) ? ingress.lifecycleByOrg() : ingress.requestsByOrg());
        } else {
            awaitCommitted(group, topic);
        }
    }

    private void awaitCommitted(String group, String topic) {
        try (var admin = clients.admin(); var consumer = clients.consumer("end-reader-" + UUID.randomUUID())) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                return partitions.stream().allMatch(tp -> end.get(tp) == 0
                        || (committed.get(tp) != null && committed.get(tp).offset() >= end.get(tp)));
            });
        }
    }

    List<AuditEvent> audits() {
        var deserializer = new AvroDeserializer<>(AuditEvent.class, registry);
        return kafka.readAll(auditTopic).stream().map(r -> deserializer.deserialize(auditTopic, r.value())).toList();
    }

    List<ConsumerRecord<byte[], byte[]>> deadLetters(String topic) {
        return kafka.readAll(topic + ".dlq");
    }

    /** The TLS Secret in the cluster, if there is one. */
    Optional<TlsMaterial> secretIn(String clusterId, String secretName) {
        try (var admin = clusters.get(clusterId).adminClient()) {
            Secret secret = admin.secrets().inNamespace(NAMESPACE).withName(secretName).get();
            if (secret == null) {
                return Optional.empty();
            }
            return Optional.of(new TlsMaterial(decode(secret, "tls.crt"), decode(secret, "tls.key"),
                    decode(secret, "ca.crt")));
        }
    }

    TlsMaterial awaitSecret(String clusterId, String secretName, Predicate<TlsMaterial> condition) {
        TlsMaterial[] found = new TlsMaterial[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            found[0] = secretIn(clusterId, secretName).orElse(null);
            return found[0] != null && condition.test(found[0]);
        });
        return found[0];
    }

    static String serialOf(TlsMaterial material) {
        return material.leaf().getSerialNumber().toString(16);
    }

    static List<X509Certificate> bundle(TlsMaterial material) {
        return Pem.parseCertificates(material.caBundle());
    }

    private static String decode(Secret secret, String key) {
        String value = secret.getData() == null ? null : secret.getData().get(key);
        return value == null ? "" : new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        new ArrayList<>(services).forEach(this::stop);
        producer.close();
        simulated.close();
        vault.close();
    }
}
