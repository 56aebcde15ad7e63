package io.zonekeeper.cert;

import io.fabric8.kubernetes.api.model.Secret;
import io.zonekeeper.cert.model.Pem;
import io.zonekeeper.cert.model.TlsMaterial;
import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.config.TopicSettings;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.CertAction;
import io.zonekeeper.schemas.CertCommand;
import io.zonekeeper.schemas.CertificateRequest;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.OrgAction;
import io.zonekeeper.schemas.OrgCommand;
import io.zonekeeper.testkit.time.SettableClock;
import io.zonekeeper.testkit.vault.ServicePolicies;
import io.zonekeeper.world.ServiceWorld;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The cert service's world on the shared {@link ServiceWorld}: its commands, organization commands and state topics,
 * a clock the test moves, and the service itself, configured only through the environment map it would read in
 * production.
 */
final class CertWorld extends ServiceWorld<CertService> {

    static final String BASE_DOMAIN = "zk.example";
    static final String TLS_VAULT_PREFIX = "zonekeeper/tls";
    static final String NAMESPACE = "zonekeeper";

    /** Starts the day before a leap day, far from the real date: no test here may depend on the day it runs. */
    final SettableClock clock = new SettableClock(Instant.parse("2028-02-28T21:07:00Z"));
    final String requestsTopic = ingress.requests();
    final String commandsTopic = consumedTopic("cert.commands.v1");
    final String orgCommandsTopic = consumedTopic("org.commands.v1");
    final String tlsTopic = stateTopic("cluster.tls.v1");

    CertWorld() {
        super(ServicePolicies.CERT_SERVICE, Map.of("TLS_VAULT_PREFIX", TLS_VAULT_PREFIX));
    }

    Map<String, String> env(String consumerGroup) {
        return env(environment()
                .set(CertConfig.GROUP, consumerGroup)
                .set(CertConfig.TLS_VAULT_PREFIX, TLS_VAULT_PREFIX)
                .set(CertConfig.BASE_DOMAIN, BASE_DOMAIN)
                .set(TopicSettings.CERT_COMMANDS, commandsTopic)
                .set(TopicSettings.ORG_COMMANDS, orgCommandsTopic)
                .set(TopicSettings.TLS_STATE, tlsTopic)
                // Scans are triggered by the tests (scanNow) against the settable clock.
                .set(CertConfig.SCHEDULE_EVERY, "1h"));
    }

    CertService startService(String consumerGroup) {
        CertService service = CertService.start(CertConfig.read(new EnvReader(env(consumerGroup))),
                ServiceClock.of(clock, "test clock"));
        return started(service);
    }

    ClusterLifecycleEvent event(String orgId, String orgName, String clusterId, String clusterName,
                                ClusterStatus status) {
        return lifecycleEvent(orgId, orgName, clusterId, clusterName, status, clock.instant(),
                kubeconfigPath(clusterId));
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
        return orgCommand(orgId, OrgAction.RECONCILE);
    }

    /** An organization command on the topic both services read; returns its id. */
    String orgCommand(String orgId, OrgAction action) {
        UUID commandId = UUID.randomUUID();
        send(orgCommandsTopic, orgId, OrgCommand.newBuilder().setCommandId(commandId)
                .setIssuedAt(clock.instant()).setIssuedBy("test").setOrgId(orgId).setAction(action).build());
        return commandId.toString();
    }

    /** An audit publisher onto the world's audit topic, for components tested without the whole service. */
    AuditPublisher auditPublisher() {
        return new AuditPublisher(producer(), new AvroSerializer<>(registry, false, true), auditTopic,
                new ServiceIdentity(CertConfig.SERVICE, "test"), ServiceClock.of(clock, "test clock"));
    }

    /** The latest state per certificate in cluster.tls.v1 (null value: tombstone). */
    Map<String, ClusterTlsState> states() {
        return latest(tlsTopic, ClusterTlsState.class);
    }

    /**
     * Waits for the state of the cluster's certificate, whichever organization's key it is under (a test whose cluster
     * ids are not unique across organizations reads {@link #states()} by the whole key).
     */
    ClusterTlsState awaitState(String clusterId, String certificateName, Predicate<ClusterTlsState> condition) {
        return awaitValue(() -> states().entrySet().stream()
                .filter(e -> e.getKey().endsWith("/" + clusterId + "/" + certificateName))
                .map(Map.Entry::getValue).filter(Objects::nonNull).findFirst().orElse(null), condition);
    }

    /**
     * Waits until the group has committed every record of {@code topic}; for an upstream topic, until the ingress has
     * forwarded all of it and the group has committed all of its by-organization copy.
     */
    void awaitConsumed(String group, String topic) {
        if (topic.equals(lifecycleTopic) || topic.equals(requestsTopic)) {
            awaitCommitted(ingress.group(), List.of(topic));
            awaitCommitted(group, List.of(topic.equals(lifecycleTopic) ? ingress.lifecycleByOrg()
                    : ingress.requestsByOrg()));
        } else {
            awaitCommitted(group, List.of(topic));
        }
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
        return awaitValue(() -> secretIn(clusterId, secretName).orElse(null), condition);
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
}
