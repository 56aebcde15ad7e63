package io.zonekeeper.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.kafka.KafkaAccess.Role;
import io.zonekeeper.common.kafka.TopicNames;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.RegistryAccess;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.TlsStatus;
import io.zonekeeper.testkit.ProjectDirectories;
import io.zonekeeper.testkit.kubernetes.PodProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The installation a platform team runs, from the chart: a broker that takes only SASL_SSL (SCRAM-SHA-512) and
 * authorizes with the KRaft {@code StandardAuthorizer} under the ACLs {@code zk acls} prints and nothing more, a
 * registry that takes only HTTPS with a user, Vault through its Kubernetes auth method against a real API server, and
 * the three services installed by {@code helm template} into that API server under the restricted Pod Security
 * profile and run by a {@link io.zonekeeper.testkit.kubernetes.ProcessKubelet} from the pods' specs alone (image
 * entrypoint, env from values and Secrets, mounted Secrets, a projected service-account token, read-only root, the
 * chart's user and memory limit). What the chart leaves out, no service gets. The upstream and a dashboard are
 * Confluent's Python client under their own principals. An organization comes up (zone, certificate, count) and,
 * once its cluster is deleted, its zone is reaped; what a principal's ACLs do not allow is refused by the broker; a
 * service whose principal was left out of the grants stops at start-up saying what was refused; and no password is
 * in any service's log.
 */
class SecuredInstallTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Path CHART_FILES = ProjectDirectories.root().resolve("charts/zonekeeper/files");
    /** A metric name in a rule's or a panel's expression. */
    private static final Pattern METRIC = Pattern.compile("\\b(zonekeeper|kafka)_[a-z_]+\\b");
    private static final String ORG = "secured-org";
    private static final String CLUSTER = "secured-cluster";

    @Test
    void theChartsPodsRunUnderTheirOwnPrincipalsAndTheBrokerRefusesWhatTheirAclsDoNotAllow() throws Exception {
        Path logDir = Files.createTempDirectory("zonekeeper-secured");
        ContractScript script = ContractScript.install();
        try (Dependencies dependencies = Dependencies.startSecured(progress -> { });
             ChartInstallation chart = ChartInstallation.prepare(dependencies, logDir)) {
            SecuredAccess access = dependencies.secured.orElseThrow();
            dependencies.cluster(CLUSTER);
            Map<ChartInstallation.Component, PodProcess> pods = new LinkedHashMap<>();
            for (String component : List.of("provisioner", "cert", "reaper")) {
                ChartInstallation.Component installed = chart.install(ChartInstallation.RELEASE, component, List.of());
                pods.put(installed, chart.run(installed));
            }
            for (var pod : pods.entrySet()) {
                ChartInstallation.awaitReady(pod.getValue(), pod.getKey(), Duration.ofMinutes(3));
            }
            SchemaRegistryClient registry = SchemaRegistries.forTool(dependencies.registry.endpoint().toString(),
                    new RegistryAccess(Optional.of(access.userInfoFile(Role.OPERATOR)), Optional.empty(),
                            Optional.of(access.registryTrustBundle())));

            ContractScript.Result running = upstream(script, dependencies, TopicNames.LIFECYCLE, "RUNNING");
            assertThat(running.succeeded()).as(running.err()).isTrue();
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                assertThat(latest(dependencies, registry, TopicNames.ORG_DNS, OrgDnsState.class, ORG))
                        .as("the organization's zone").isNotNull()
                        .extracting(OrgDnsState::getStatus).isEqualTo(OrgDnsStatus.READY);
                assertThat(latest(dependencies, registry, TopicNames.CLUSTER_TLS, ClusterTlsState.class,
                        ORG + "/" + CLUSTER + "/server")).as("the cluster's certificate").isNotNull()
                        .extracting(ClusterTlsState::getStatus).isEqualTo(TlsStatus.ISSUED);
                assertThat(latest(dependencies, registry, TopicNames.ORG_CLUSTERS, OrgClusters.class, ORG))
                        .as("the organization's running clusters").isNotNull()
                        .extracting(OrgClusters::getRunningClusters).isEqualTo(1);
            });

            // The upstream may write lifecycle events, never a command; librdkafka reports the broker's refusal.
            ContractScript.Result command = upstream(script, dependencies, TopicNames.ORG_COMMANDS, "RUNNING");
            assertThat(command.succeeded()).isFalse();
            assertThat(command.err()).contains("Topic authorization failed");
            // The cert service's principal, with the password its process reads, may not ask for a reap.
            try (KafkaProducer<byte[], byte[]> cert = producer(dependencies, access, Role.CERT)) {
                assertThatThrownBy(() -> cert.send(new ProducerRecord<>(TopicNames.REAP, bytes(ORG), bytes("reap")))
                        .get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).cause()
                        .isInstanceOf(TopicAuthorizationException.class).hasMessageContaining(TopicNames.REAP);
            }

            ContractScript.Result deleted = upstream(script, dependencies, TopicNames.LIFECYCLE, "DELETED");
            assertThat(deleted.succeeded()).as(deleted.err()).isTrue();
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(latest(dependencies, registry, TopicNames.ORG_DNS, OrgDnsState.class, ORG))
                            .as("the reaped organization").extracting(OrgDnsState::getStatus)
                            .isEqualTo(OrgDnsStatus.DELETED));
            assertThat(dependencies.kafka.readAll(TopicNames.deadLetters(TopicNames.LIFECYCLE))).isEmpty();

            // A dashboard reads every output under its own principal, and nothing else.
            ContractScript.Result dashboard = dashboard(script, dependencies, TopicNames.AUDIT + ":AuditEvent",
                    TopicNames.ORG_DNS + ":OrgDnsState", TopicNames.CLUSTER_TLS + ":ClusterTlsState",
                    TopicNames.ORG_CLUSTERS + ":OrgClusters");
            assertThat(dashboard.succeeded()).as(dashboard.err()).isTrue();
            JsonNode counts = JSON.readTree(dashboard.out());
            assertThat(counts.path(TopicNames.AUDIT).path("records").asInt()).isPositive();
            ContractScript.Result inputs = dashboard(script, dependencies,
                    TopicNames.LIFECYCLE + ":ClusterLifecycleEvent");
            assertThat(inputs.succeeded()).isFalse();
            assertThat(inputs.err()).contains("TOPIC_AUTHORIZATION_FAILED");

            // Every metric the chart's alerts and dashboard name is one the running services publish.
            StringBuilder scraped = new StringBuilder();
            for (ChartInstallation.Component component : pods.keySet()) {
                scraped.append(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + component.opsPort()
                        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body());
            }
            Set<String> published = scraped.toString().lines().filter(line -> !line.startsWith("#"))
                    .map(line -> line.split("[{ ]", 2)[0]).collect(Collectors.toSet());
            for (String file : List.of("prometheus-rules.yaml", "grafana-dashboard.json")) {
                Matcher named = METRIC.matcher(Files.readString(CHART_FILES.resolve(file)));
                while (named.find()) {
                    assertThat(published).as("a metric " + file + " names").contains(named.group());
                }
            }

            // A service whose principal was left out of the grants stops at start-up, saying what was refused: a
            // second release of the cert service under a user with a password and no ACLs.
            chart.secret("kafka-cert-forgotten", Map.of("password", access.userWithoutAcls("zonekeeper-cert-forgotten")));
            ChartInstallation.Component forgotten = chart.install("forgotten", "cert", List.of(
                    "cert.kafkaUser.name=zonekeeper-cert-forgotten", "cert.kafkaUser.passwordSecret=kafka-cert-forgotten",
                    "cert.serviceAccount.create=false", "cert.serviceAccount.name=zk-zonekeeper-cert"));
            PodProcess unlisted = chart.run(forgotten);
            await().atMost(Duration.ofMinutes(2)).until(() -> !unlisted.alive());
            assertThat(unlisted.exitCode()).isEqualTo(1);
            assertThat(Files.readString(unlisted.log())).contains("cert-service could not start: Kafka refused access"
                    + " to");

            List<PodProcess> all = new ArrayList<>(pods.values());
            all.add(unlisted);
            for (PodProcess pod : all) {
                String log = Files.readString(pod.log());
                for (Role role : Role.values()) {
                    assertThat(log).as(pod.name() + "'s log").doesNotContain(access.kafkaPassword(role));
                }
            }
        }
    }

    /** Confluent's Python client as the upstream, under the upstream's principal: one event for the organization. */
    private static ContractScript.Result upstream(ContractScript script, Dependencies dependencies, String topic,
                                                  String status) throws Exception {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("eventId", UUID.randomUUID().toString());
        event.put("occurredAt", Instant.now().toEpochMilli());
        event.put("orgId", ORG);
        event.put("orgName", "secured");
        event.put("clusterId", CLUSTER);
        event.put("clusterName", "c1");
        event.put("status", status);
        event.put("cloud", "amazon");
        event.put("region", "eu-west-1");
        event.put("kubeconfigVaultPath", Dependencies.kubeconfigPath(CLUSTER));
        List<String> args = new ArrayList<>(List.of("upstream", "--topic", topic, "--auto-register", "true"));
        args.addAll(connection(dependencies, Role.UPSTREAM));
        return script.run(JSON.writeValueAsString(event) + "\n", args);
    }

    private static ContractScript.Result dashboard(ContractScript script, Dependencies dependencies,
                                                   String... topics) throws Exception {
        List<String> args = new ArrayList<>(List.of("dashboard"));
        args.addAll(connection(dependencies, Role.DASHBOARD));
        args.addAll(List.of(topics));
        return script.run("", args);
    }

    /** librdkafka's and the Python registry client's settings for {@code role}. */
    private static List<String> connection(Dependencies dependencies, Role role) throws Exception {
        SecuredAccess access = dependencies.secured.orElseThrow();
        return List.of("--bootstrap", dependencies.kafka.bootstrapServers(),
                "--registry", dependencies.registry.endpoint().toString(),
                "--schema-dir", ContractScript.schemaDir(),
                "--config", "security.protocol=SASL_SSL",
                "--config", "sasl.mechanisms=SCRAM-SHA-512",
                "--config", "sasl.username=" + role.defaultUser(),
                "--config", "sasl.password=" + access.kafkaPassword(role),
                "--config", "ssl.ca.location=" + access.kafkaTrustBundle(),
                "--registry-config", "basic.auth.user.info=" + Files.readString(access.userInfoFile(role)),
                "--registry-config", "ssl.ca.location=" + access.registryTrustBundle());
    }

    /** A Java producer configured from {@code role}'s service settings, as its process reads them. */
    private static KafkaProducer<byte[], byte[]> producer(Dependencies dependencies, SecuredAccess access, Role role) {
        Map<String, Object> config = new HashMap<>(KafkaSettings.CLIENT_PROPERTIES.read(
                new EnvReader(dependencies.kafkaEnv(role).toMap())));
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, dependencies.kafka.bootstrapServers());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The newest value under {@code key} in a compacted state topic, decoded; null if none. */
    private static <T extends SpecificRecord> T latest(Dependencies dependencies, SchemaRegistryClient registry,
                                                       String topic, Class<T> type, String key) {
        var deserializer = new AvroDeserializer<>(type, registry);
        T latest = null;
        for (ConsumerRecord<byte[], byte[]> record : dependencies.kafka.readAll(topic)) {
            if (new String(record.key(), StandardCharsets.UTF_8).equals(key)) {
                latest = record.value() == null ? null : deserializer.deserialize(topic, record.value());
            }
        }
        return latest;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
