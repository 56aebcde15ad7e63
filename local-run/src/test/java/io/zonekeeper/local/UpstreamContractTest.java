package io.zonekeeper.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonekeeper.common.kafka.OrgPartitions;
import io.zonekeeper.common.kafka.TopicNames;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.FreePort;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.GroupState;
import org.junit.jupiter.api.Test;

/**
 * Zonekeeper's boundary with a client nobody here wrote: Confluent's Python client (librdkafka inside), pinned and
 * installed into {@code .venv/}, as the upstream with nothing configured but the brokers (so its default partitioner,
 * CRC32 of the key, not the Java client's murmur2) and Confluent's Avro serializer over the shipped {@code .avsc}, and
 * as a dashboard reading every output topic. Two instances of each service run as processes, as a deployment with two
 * replicas does. Organizations come up and, once their clusters are deleted, their zones are reaped (the 12-hour
 * rule); each organization's work is done by one provisioner instance; nothing is dead-lettered; and every record a
 * dashboard reads decodes with the registry's schemas and with the shipped files.
 */
class UpstreamContractTest {

    private static final int ORGS = 12;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<ServiceProcess> instances = new ArrayList<>();

    @Test
    void anUpstreamInPythonWithTheClientsDefaultsGetsItsZonesMadeAndReapedWithOneWriterPerOrganization()
            throws Exception {
        Path logDir = Files.createTempDirectory("zonekeeper-contract");
        ContractScript script = ContractScript.install();
        try (Dependencies dependencies = Dependencies.start(progress -> { })) {
            String registryUrl = dependencies.registry.endpoint().toString();
            List<String> orgIds = IntStream.range(0, ORGS).mapToObj(i -> "contract-org-" + i).toList();
            orgIds.forEach(org -> dependencies.cluster(clusterOf(org)));
            startTwoOfEach(dependencies, logDir);
            Map<String, Set<String>> membersBefore = awaitStableGroups(dependencies);

            // A Java upstream registered the lifecycle schema first; a Python one serializing with the shipped file
            // and auto-registration off must find that very schema, and one registering it must add no version.
            String subject = TopicNames.LIFECYCLE + "-value";
            SchemaRegistryClient registry = SchemaRegistries.forTool(registryUrl);
            registry.register(subject, ClusterLifecycleEvent.getClassSchema());
            List<JsonNode> running = new ArrayList<>(upstream(script, dependencies, "false",
                    orgIds.subList(0, ORGS / 2), "RUNNING"));
            running.addAll(upstream(script, dependencies, "true", orgIds.subList(ORGS / 2, ORGS), "RUNNING"));
            assertThat(versions(registryUrl, subject)).as("versions of " + subject).containsExactly(1);
            long misplaced = running.stream().filter(w -> w.get("partition").asInt()
                    != OrgPartitions.of(w.get("key").asText(), Dependencies.PARTITIONS)).count();
            assertThat(misplaced).as("organizations the Python client put where the Java client would not")
                    .isGreaterThanOrEqualTo(2);

            SchemaRegistryClient reader = SchemaRegistries.forTool(registryUrl);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(orgStates(dependencies, reader)).as("organizations with a ready zone")
                            .containsKeys(orgIds.toArray(String[]::new))
                            .allSatisfy((org, state) -> assertThat(state.getStatus()).isEqualTo(OrgDnsStatus.READY)));

            upstream(script, dependencies, "true", orgIds, "DELETED");
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(orgStates(dependencies, reader)).as("organizations whose zone was reaped")
                            .allSatisfy((org, state) -> assertThat(state.getStatus()).isEqualTo(OrgDnsStatus.DELETED)));
            for (String org : orgIds) {
                String zoneName = org.replace("contract-", "") + "." + Dependencies.BASE_DOMAIN + ".";
                assertThat(dependencies.route53.listHostedZonesByName(r -> r.dnsName(zoneName)).hostedZones())
                        .as("zones named " + zoneName).noneMatch(z -> z.name().equals(zoneName));
            }
            assertThat(dependencies.kafka.readAll(TopicNames.deadLetters(TopicNames.LIFECYCLE))).isEmpty();

            // One writer per organization: with the groups stable throughout, all of an organization's work (its
            // lifecycle events and the reap command of its zone) went to one provisioner instance.
            assertThat(awaitStableGroups(dependencies)).as("the groups' members did not change").isEqualTo(membersBefore);
            Map<String, Set<String>> instancesByOrg = new TreeMap<>();
            var audits = new AvroDeserializer<>(AuditEvent.class, reader);
            for (ConsumerRecord<byte[], byte[]> record : dependencies.kafka.readAll(TopicNames.AUDIT)) {
                AuditEvent audit = audits.deserialize(TopicNames.AUDIT, record.value());
                if (audit.getService().equals("provisioner-service") && audit.getOrgId() != null) {
                    instancesByOrg.computeIfAbsent(audit.getOrgId(), o -> new java.util.TreeSet<>())
                            .add(audit.getInstance());
                }
            }
            assertThat(instancesByOrg).containsKeys(orgIds.toArray(String[]::new))
                    .allSatisfy((org, instances) -> assertThat(instances).as(org).hasSize(1));

            JsonNode read = dashboard(script, dependencies, List.of(TopicNames.AUDIT + ":AuditEvent",
                    TopicNames.ORG_DNS + ":OrgDnsState", TopicNames.CLUSTER_TLS + ":ClusterTlsState",
                    TopicNames.ORG_CLUSTERS + ":OrgClusters", TopicNames.REAP + ":ZoneReapCommand",
                    TopicNames.LIFECYCLE_BY_ORG + ":ClusterLifecycleEvent"));
            for (String topic : List.of(TopicNames.AUDIT, TopicNames.ORG_DNS, TopicNames.CLUSTER_TLS,
                    TopicNames.ORG_CLUSTERS, TopicNames.REAP, TopicNames.LIFECYCLE_BY_ORG)) {
                assertThat(read.path(topic).path("records").asInt()).as("records decoded from " + topic).isPositive();
            }
        } finally {
            instances.forEach(ServiceProcess::close);
        }
    }

    private static String clusterOf(String org) {
        return org.replace("org", "cluster");
    }

    /** Two instances of each service, each its own process, configured as the local run configures one. */
    private void startTwoOfEach(Dependencies dependencies, Path logDir) throws Exception {
        Map<String, Map<String, String>> environments = LocalRun.serviceEnvironments(dependencies,
                Timeline.realTime(Instant.now()));
        Map<String, String> mains = Map.of("provisioner-service", "io.zonekeeper.provisioner.Main",
                "cert-service", "io.zonekeeper.cert.Main", "reaper-service", "io.zonekeeper.reaper.Main");
        for (int i = 1; i <= 2; i++) {
            for (var service : mains.entrySet()) {
                Map<String, String> env = new HashMap<>(environments.get(service.getKey()));
                env.put("SERVICE_INSTANCE", service.getKey() + "-" + i);
                if (service.getKey().equals("reaper-service")) {
                    env.put("STATE_DIR", Files.createTempDirectory("zonekeeper-reaper").toString());
                }
                instances.add(ServiceProcess.start(service.getKey() + "-" + i, service.getValue(), env,
                        FreePort.pick(), logDir));
            }
        }
        for (ServiceProcess instance : instances) {
            instance.awaitHealthy(Duration.ofSeconds(120));
        }
    }

    /** Waits until every group has all its members and is stable; returns each group's member ids. */
    private static Map<String, Set<String>> awaitStableGroups(Dependencies dependencies) {
        Map<String, Integer> expected = Map.of(TopicNames.Consumer.PROVISIONER.group(), 2,
                TopicNames.Consumer.CERT.group(), 2, TopicNames.Consumer.REAPER.group(), 2,
                TopicNames.INGRESS_GROUP, 6);
        Map<String, Set<String>> members = new TreeMap<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                dependencies.kafka.bootstrapServers()))) {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
                Map<String, ConsumerGroupDescription> groups = admin.describeConsumerGroups(expected.keySet()).all()
                        .get(10, TimeUnit.SECONDS);
                members.clear();
                groups.forEach((group, description) -> members.put(group, description.members().stream()
                        .map(MemberDescription::consumerId).collect(Collectors.toSet())));
                return groups.entrySet().stream().allMatch(g -> g.getValue().groupState() == GroupState.STABLE
                        && g.getValue().members().size() == expected.get(g.getKey())
                        && g.getValue().members().stream().noneMatch(m -> m.assignment().topicPartitions().isEmpty()
                        && !g.getKey().equals(TopicNames.INGRESS_GROUP)));
            });
        }
        return members;
    }

    /** The Python upstream: one event per organization, in the given status; returns where each was written. */
    private static List<JsonNode> upstream(ContractScript script, Dependencies dependencies, String autoRegister,
                                           List<String> orgIds, String status) throws Exception {
        StringBuilder events = new StringBuilder();
        for (String org : orgIds) {
            Map<String, Object> event = new java.util.LinkedHashMap<>();
            event.put("eventId", UUID.randomUUID().toString());
            event.put("occurredAt", Instant.now().toEpochMilli());
            event.put("orgId", org);
            event.put("orgName", org.replace("contract-", ""));
            event.put("clusterId", clusterOf(org));
            event.put("clusterName", "c1");
            event.put("status", status);
            event.put("cloud", "amazon");
            event.put("region", "eu-west-1");
            event.put("kubeconfigVaultPath", Dependencies.kubeconfigPath(clusterOf(org)));
            events.append(JSON.writeValueAsString(event)).append('\n');
        }
        String out = python(script, events.toString(), "upstream", "--bootstrap", dependencies.kafka.bootstrapServers(),
                "--registry", dependencies.registry.endpoint().toString(), "--schema-dir", ContractScript.schemaDir(),
                "--topic", TopicNames.LIFECYCLE, "--auto-register", autoRegister);
        List<JsonNode> written = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                written.add(JSON.readTree(line));
            }
        }
        assertThat(written).hasSize(orgIds.size());
        return written;
    }

    private static JsonNode dashboard(ContractScript script, Dependencies dependencies, List<String> topics) throws Exception {
        List<String> args = new ArrayList<>(List.of("dashboard", "--bootstrap", dependencies.kafka.bootstrapServers(),
                "--registry", dependencies.registry.endpoint().toString(), "--schema-dir", ContractScript.schemaDir()));
        args.addAll(topics);
        return JSON.readTree(python(script, "", args.toArray(String[]::new)));
    }

    /** Runs the script with {@code stdin}; its output, after it exits 0 within two minutes. */
    private static String python(ContractScript script, String stdin, String... args) throws Exception {
        ContractScript.Result result = script.run(stdin, List.of(args));
        assertThat(result.succeeded()).as("python " + String.join(" ", args) + " exited 0 within 2 minutes\n"
                + result.out() + "\n" + result.err()).isTrue();
        return result.out();
    }

    private static Map<String, OrgDnsState> orgStates(Dependencies dependencies, SchemaRegistryClient registry) {
        var deserializer = new AvroDeserializer<>(OrgDnsState.class, registry);
        Map<String, OrgDnsState> latest = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : dependencies.kafka.readAll(TopicNames.ORG_DNS)) {
            String key = new String(record.key(), StandardCharsets.UTF_8);
            if (record.value() == null) {
                latest.remove(key);
            } else if (key.startsWith("contract-")) {
                latest.put(key, deserializer.deserialize(TopicNames.ORG_DNS, record.value()));
            }
        }
        return latest;
    }

    private static List<Integer> versions(String registryUrl, String subject) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(registryUrl.replaceAll("/$", "") + "/subjects/" + subject + "/versions")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        List<Integer> versions = new ArrayList<>();
        JSON.readTree(response.body()).forEach(v -> versions.add(v.asInt()));
        return versions;
    }
}
