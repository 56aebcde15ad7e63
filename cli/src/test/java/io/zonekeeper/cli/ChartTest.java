package io.zonekeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.strimzi.api.kafka.Crds;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.zonekeeper.testkit.GoTools;
import io.zonekeeper.testkit.ProjectDirectories;
import io.zonekeeper.testkit.helm.Helm;
import io.zonekeeper.testkit.kubernetes.KubeApiServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart, checked without a container runtime: Helm v4 (built from the Go module proxy) lints it strictly with
 * each CI values file and refuses values its schema does not allow; what it renders is applied server-side to a real
 * kube-apiserver, into a namespace that enforces and warns on the restricted Pod Security profile, with the Prometheus
 * Operator's real CRDs and Strimzi's KafkaUser CRD registered, and answered with no warning; a Pod made from each pod
 * template, as a controller would, is admitted (and one with privilege escalation allowed is not); and its
 * KafkaUsers are what {@code zk acls} prints.
 */
class ChartTest {

    private static final Path CHART = ProjectDirectories.root().resolve("charts/zonekeeper");
    private static final Path SECURED = CHART.resolve("ci/secured-values.yaml");
    private static final String PROMETHEUS_OPERATOR = "github.com/prometheus-operator/prometheus-operator";
    private static final String PROMETHEUS_OPERATOR_VERSION = "v0.85.0";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory());
    private static Helm helm;

    @BeforeAll
    static void buildHelm() {
        helm = Helm.install();
    }

    @Test
    void lintsStrictlyWithEveryCiValuesFile() throws IOException {
        try (Stream<Path> files = Files.list(CHART.resolve("ci"))) {
            List<Path> values = files.sorted().toList();
            assertThat(values).isNotEmpty();
            for (Path file : values) {
                Helm.Result lint = helm.lint(CHART, file);
                assertThat(lint.succeeded()).as(file + ":\n" + lint.out() + lint.err()).isTrue();
            }
        }
    }

    @Test
    void refusesValuesTheSchemaDoesNotAllowAndRequiresWhatHasNoDefault() {
        assertRefused(List.of("kafka.securityProtocol=TLS"), "securityProtocol");
        assertRefused(List.of("provisioner.replicass=2"), "replicass");
        assertRefused(List.of("reaper.replicas=0"), "replicas");
        assertRefused(List.of("provisioner.env.lowercase=x"), "lowercase");
        assertRefused(List.of("baseDomain=null"), "baseDomain is required");
    }

    @Test
    void eachWorkloadIsReadyWhileProcessingAndTheReaperKeepsItsMembershipAcrossRestarts() throws IOException {
        List<JsonNode> workloads = rendered(SECURED).stream()
                .filter(o -> List.of("Deployment", "StatefulSet").contains(o.path("kind").asText())).toList();
        assertThat(workloads).hasSize(3);
        for (JsonNode workload : workloads) {
            JsonNode container = workload.path("spec").path("template").path("spec").path("containers").path(0);
            assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/ready");
            assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/health");
            List<String> env = new ArrayList<>();
            container.path("env").forEach(variable -> env.add(variable.path("name").asText() + "="
                    + variable.path("value").asText()));
            if (workload.path("kind").asText().equals("StatefulSet")) {
                assertThat(env).contains("GROUP_INSTANCE_ID=$(SERVICE_INSTANCE)");
                // Declared before its use, as Kubernetes expands $(VAR) only from variables defined earlier.
                assertThat(env.indexOf("SERVICE_INSTANCE=")).isLessThan(env.indexOf(
                        "GROUP_INSTANCE_ID=$(SERVICE_INSTANCE)"));
            } else {
                assertThat(env).noneMatch(variable -> variable.startsWith("GROUP_INSTANCE_ID="));
            }
        }
    }

    @Test
    void theKafkaUsersAreWhatZkAclsPrintsAndStrimzisModelReadsThem() throws Exception {
        StringWriter out = new StringWriter();
        int exit = Zk.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "acls", "--role",
                "provisioner,cert,reaper", "--format", "strimzi",
                "--kafka-cluster", "{{ .Values.strimzi.kafkaUsers.cluster }}",
                "--user", "provisioner={{ .Values.provisioner.kafkaUser.name }}",
                "--user", "cert={{ .Values.cert.kafkaUser.name }}",
                "--user", "reaper={{ .Values.reaper.kafkaUser.name }}");
        assertThat(exit).isZero();
        String shipped = Files.readString(CHART.resolve("files/kafka-users.yaml")).lines()
                .filter(line -> !line.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
        assertThat(shipped).as("charts/zonekeeper/files/kafka-users.yaml is stale: regenerate it with the command in"
                + " its first line").isEqualTo(out.toString());

        List<JsonNode> users = rendered(SECURED).stream()
                .filter(o -> o.path("kind").asText().equals("KafkaUser")).toList();
        assertThat(users).hasSize(3);
        for (JsonNode user : users) {
            KafkaUser read = Serialization.unmarshal(JSON.writeValueAsString(user), KafkaUser.class);
            assertThat(read.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", "kafka");
            var authorization = (KafkaUserAuthorizationSimple) read.getSpec().getAuthorization();
            assertThat(authorization.getAcls()).isNotEmpty().allSatisfy(rule -> {
                assertThat(rule.getOperations()).isNotEmpty();
                assertThat(rule.getResource()).isNotNull();
            });
        }
    }

    @Test
    void whatItRendersIsAppliedUnderTheRestrictedPodSecurityProfileWithNoWarning() throws Exception {
        List<JsonNode> objects = rendered(SECURED);
        assertThat(objects).extracting(o -> o.path("kind").asText()).contains("Deployment", "StatefulSet",
                "Service", "ServiceAccount", "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor",
                "PrometheusRule", "ConfigMap", "KafkaUser");
        assertThat(objects).extracting(o -> o.path("kind").asText()).doesNotContain("Secret");

        try (KubeApiServer server = KubeApiServer.start("chart", List.of())) {
            List<String> warnings = new ArrayList<>();
            warnings.addAll(server.serverSideApply("v1", "namespaces", null, "zonekeeper", JSON.writeValueAsString(
                    JSON.readTree("""
                            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "zonekeeper", "labels": {
                              "pod-security.kubernetes.io/enforce": "restricted",
                              "pod-security.kubernetes.io/enforce-version": "latest",
                              "pod-security.kubernetes.io/warn": "restricted",
                              "pod-security.kubernetes.io/warn-version": "latest",
                              "pod-security.kubernetes.io/audit": "restricted"}}}"""))));
            for (JsonNode crd : customResourceDefinitions()) {
                warnings.addAll(server.serverSideApply("apiextensions.k8s.io/v1", "customresourcedefinitions", null,
                        crd.path("metadata").path("name").asText(), JSON.writeValueAsString(crd)));
            }
            for (JsonNode object : objects) {
                // A CRD is served a moment after it is created: its objects are retried until it is.
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                        warnings.addAll(server.apply("zonekeeper", object)));
            }
            for (JsonNode object : objects) {
                JsonNode template = object.path("spec").path("template");
                if (!template.isMissingNode() && object.path("apiVersion").asText().equals("apps/v1")) {
                    warnings.addAll(server.create("v1", "pods", "zonekeeper", JSON.writeValueAsString(
                            podOf(object))));
                }
            }
            assertThat(warnings).as("warnings from the API server").isEmpty();

            // The check is not vacuous: the same chart with privilege escalation allowed is warned about and its pod
            // refused.
            JsonNode weakened = rendered(SECURED, List.of("securityContext.allowPrivilegeEscalation=true")).stream()
                    .filter(o -> o.path("kind").asText().equals("Deployment")).findFirst().orElseThrow();
            ((ObjectNode) weakened.path("metadata")).put("name", "weakened");
            assertThat(server.apply("zonekeeper", weakened)).anySatisfy(warning ->
                    assertThat(warning).contains("allowPrivilegeEscalation"));
            assertThatThrownBy(() -> server.create("v1", "pods", "zonekeeper", JSON.writeValueAsString(
                    podOf(weakened)))).hasMessageContaining("403").hasMessageContaining("allowPrivilegeEscalation");
        }
    }

    /** The Pod a controller would make from a Deployment's or StatefulSet's template. */
    private static JsonNode podOf(JsonNode workload) {
        ObjectNode pod = JSON.createObjectNode();
        pod.put("apiVersion", "v1");
        pod.put("kind", "Pod");
        ObjectNode metadata = ((ObjectNode) workload.path("spec").path("template").path("metadata")).deepCopy();
        String name = workload.path("metadata").path("name").asText() + "-0";
        metadata.put("name", name);
        pod.set("metadata", metadata);
        ObjectNode spec = ((ObjectNode) workload.path("spec").path("template").path("spec")).deepCopy();
        for (JsonNode claim : workload.path("spec").path("volumeClaimTemplates")) {
            // The StatefulSet controller gives each pod its own claim, named <template>-<pod>.
            String volume = claim.path("metadata").path("name").asText();
            ((ArrayNode) spec.withArray("volumes")).addObject().put("name", volume)
                    .putObject("persistentVolumeClaim").put("claimName", volume + "-" + name);
        }
        pod.set("spec", spec);
        return pod;
    }

    /** The Prometheus Operator's own CRDs (from its Go module) and Strimzi's KafkaUser CRD (from its API jar). */
    private static List<JsonNode> customResourceDefinitions() throws IOException {
        Path crds = GoTools.moduleSource(PROMETHEUS_OPERATOR, PROMETHEUS_OPERATOR_VERSION)
                .resolve("example/prometheus-operator-crd");
        List<JsonNode> all = new ArrayList<>();
        for (String file : List.of("monitoring.coreos.com_servicemonitors.yaml",
                "monitoring.coreos.com_prometheusrules.yaml")) {
            all.add(YAML.readTree(Files.readString(crds.resolve(file))));
        }
        all.add(JSON.readTree(Serialization.asJson(Crds.kafkaUser())));
        return all;
    }

    private static List<JsonNode> rendered(Path values) {
        return rendered(values, List.of());
    }

    private static List<JsonNode> rendered(Path values, List<String> sets) {
        return helm.render("zk", "zonekeeper", CHART, List.of(values), sets);
    }

    private static void assertRefused(List<String> sets, String reason) {
        Helm.Result template = helm.template("zk", "zonekeeper", CHART, List.of(SECURED), sets);
        assertThat(template.succeeded()).as("helm template with " + sets).isFalse();
        assertThat(template.err()).as("helm template with " + sets).contains(reason);
    }
}
