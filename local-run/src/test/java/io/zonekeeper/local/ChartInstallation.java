package io.zonekeeper.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.common.kafka.KafkaAccess.Role;
import io.zonekeeper.testkit.FreePort;
import io.zonekeeper.testkit.ProjectDirectories;
import io.zonekeeper.testkit.aws.MotoServer;
import io.zonekeeper.testkit.helm.Helm;
import io.zonekeeper.testkit.kubernetes.ContainerImage;
import io.zonekeeper.testkit.kubernetes.KubeApiServer;
import io.zonekeeper.testkit.kubernetes.PodProcess;
import io.zonekeeper.testkit.kubernetes.ProcessKubelet;
import io.zonekeeper.testkit.kubernetes.SimulatedClusters;
import io.zonekeeper.testkit.vault.ServicePolicies;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Zonekeeper installed from its chart the way a platform team installs it, into a real kube-apiserver (the cluster
 * the services run in), and its pods run by a {@link ProcessKubelet}: the Secrets the values name are created first
 * (each service's Kafka password and registry user, both trust bundles, the AWS keys for the emulator), Vault's
 * Kubernetes auth method trusts the API server and maps each service account to its service's policy, and the
 * namespace enforces the restricted Pod Security profile. Nothing reaches a service except through the chart.
 *
 * <p>Pods share this machine's loopback, so each component is rendered with an operations port of its own (in a
 * cluster every pod has its own network and the one port serves all).
 */
final class ChartInstallation implements AutoCloseable {

    static final String NAMESPACE = "zonekeeper";
    static final String RELEASE = "zk";
    private static final Path CHART = ProjectDirectories.root().resolve("charts/zonekeeper");
    private static final String REVIEWER = "vault-token-reviewer";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One component's workload as rendered, and the operations port its pods listen on here. */
    record Component(String name, JsonNode workload, int opsPort) {
    }

    private final KubeApiServer server;
    private final Helm helm;
    private final ProcessKubelet kubelet;
    private final Path values;
    private final Path logDir;
    private final List<PodProcess> pods = new ArrayList<>();

    private ChartInstallation(KubeApiServer server, Helm helm, Path values, Path logDir) {
        this.server = server;
        this.helm = helm;
        this.values = values;
        this.logDir = logDir;
        Map<String, ContainerImage> images = new LinkedHashMap<>();
        for (String service : List.of("provisioner-service", "cert-service", "reaper-service")) {
            images.put("local/" + service + ":checkout", ContainerImage.fromDockerfile(ProjectDirectories.root()
                    .resolve(service).resolve("Dockerfile")));
        }
        this.kubelet = new ProcessKubelet(server, images);
    }

    /**
     * The cluster the services run in, prepared as a platform team prepares it before {@code helm install}: the
     * namespace, the Secrets, Vault's Kubernetes auth; and the values file that names them.
     */
    static ChartInstallation prepare(Dependencies dependencies, Path logDir) throws IOException {
        SecuredAccess access = dependencies.secured.orElseThrow();
        KubeApiServer server = KubeApiServer.start("zonekeeper-home", List.of(REVIEWER));
        try (KubernetesClient admin = server.adminClient()) {
            server.serverSideApply("v1", "namespaces", null, NAMESPACE, JSON.writeValueAsString(JSON.readTree("""
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "%s", "labels": {
                      "pod-security.kubernetes.io/enforce": "restricted",
                      "pod-security.kubernetes.io/enforce-version": "latest"}}}""".formatted(NAMESPACE))));
            for (Role role : List.of(Role.PROVISIONER, Role.CERT, Role.REAPER)) {
                secret(admin, "kafka-" + role.label(), Map.of("password", access.kafkaPassword(role)));
                secret(admin, "registry-" + role.label(), Map.of("user-info",
                        Files.readString(access.userInfoFile(role))));
            }
            secret(admin, "kafka-ca", Map.of("ca.crt", Files.readString(access.kafkaTrustBundle())));
            secret(admin, "registry-ca", Map.of("ca.crt", Files.readString(access.registryTrustBundle())));
            secret(admin, "aws-credentials", Map.of("AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY_ID,
                    "AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_ACCESS_KEY));
            // Vault asks the API server (TokenReview) whether a presented token is valid, as a reviewer may.
            admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder()
                    .withNewMetadata().withName(REVIEWER).endMetadata()
                    .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                    .withName("system:auth-delegator").endRoleRef()
                    .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User")
                    .withName(REVIEWER).endSubject().build()).create();
        }
        var openBao = dependencies.openBao;
        openBao.request("POST", "sys/auth/kubernetes", Map.of("type", "kubernetes"));
        openBao.request("POST", "auth/kubernetes/config", Map.of("kubernetes_host", server.endpoint().toString(),
                "kubernetes_ca_cert", server.caBundle(), "token_reviewer_jwt", server.token(REVIEWER)));
        Map<String, String> prefixes = Map.of("KUBECONFIG_VAULT_PREFIX", SimulatedClusters.KUBECONFIG_PREFIX,
                "CLUSTER_CLAIMS_VAULT_PREFIX", VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX);
        vaultRole(dependencies, "zonekeeper-provisioner", "provisioner", ServicePolicies.PROVISIONER,
                withPrefix(prefixes, "CREDENTIALS_VAULT_PREFIX", "zonekeeper/orgs"));
        vaultRole(dependencies, "zonekeeper-cert-service", "cert", ServicePolicies.CERT_SERVICE,
                withPrefix(prefixes, "TLS_VAULT_PREFIX", "zonekeeper/tls"));

        Path values = Files.createTempFile(logDir, "values", ".yaml");
        Files.writeString(values, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree("""
                {"image": {"registry": "local", "tag": "checkout"},
                 "baseDomain": "%s",
                 "kafka": {"bootstrapServers": "%s", "securityProtocol": "SASL_SSL", "saslMechanism": "SCRAM-SHA-512",
                           "caSecret": {"name": "kafka-ca", "key": "ca.crt"}},
                 "schemaRegistry": {"url": "%s", "caSecret": {"name": "registry-ca", "key": "ca.crt"}},
                 "vault": {"address": "%s", "kvMount": "%s", "kubeconfigPrefix": "%s"},
                 "provisioner": {"replicas": 1, "parentZoneId": "%s",
                                 "kafkaUser": {"passwordSecret": "kafka-provisioner"},
                                 "registryUserInfoSecret": "registry-provisioner",
                                 "aws": {"staticCredentialsSecret": "aws-credentials"},
                                 "env": {"AWS_ENDPOINT_URL": "%s", "SHUTDOWN_GRACE": "5s"}},
                 "cert": {"replicas": 1, "kafkaUser": {"passwordSecret": "kafka-cert"},
                          "registryUserInfoSecret": "registry-cert", "env": {"SHUTDOWN_GRACE": "5s"}},
                 "reaper": {"replicas": 1, "standbyReplicas": 0, "kafkaUser": {"passwordSecret": "kafka-reaper"},
                            "registryUserInfoSecret": "registry-reaper", "env": {"PUNCTUATE_EVERY": "5s"}}}
                """.formatted(Dependencies.BASE_DOMAIN, dependencies.kafka.bootstrapServers(),
                dependencies.registry.endpoint(), dependencies.vault.endpoint(), dependencies.vault.mount(),
                SimulatedClusters.KUBECONFIG_PREFIX, dependencies.parentZoneId, dependencies.moto.endpoint()))));
        return new ChartInstallation(server, Helm.install(), values, logDir);
    }

    /** The values file the installation uses, for a variant's {@code --set}s on top. */
    Path values() {
        return values;
    }

    /**
     * {@code helm template} of one component (the others disabled) with {@code sets}, every object applied to the
     * API server; returns the component's workload.
     */
    Component install(String release, String component, List<String> sets) {
        int port = FreePort.pick();
        List<String> all = new ArrayList<>(List.of("opsPort=" + port));
        for (String other : List.of("provisioner", "cert", "reaper")) {
            all.add(other + ".enabled=" + other.equals(component));
        }
        all.addAll(sets);
        JsonNode workload = null;
        for (JsonNode object : helm.render(release, NAMESPACE, CHART, List.of(values), all)) {
            server.apply(NAMESPACE, object);
            if (List.of("Deployment", "StatefulSet").contains(object.path("kind").asText())) {
                workload = object;
            }
        }
        if (workload == null) {
            throw new IllegalStateException("the chart rendered no workload for " + component);
        }
        return new Component(component, workload, port);
    }

    /** The component's first pod, run by the kubelet from the workload the API server now holds. */
    PodProcess run(Component component) {
        String name = component.workload().path("metadata").path("name").asText();
        PodProcess pod;
        try (KubernetesClient admin = server.adminClient()) {
            pod = component.workload().path("kind").asText().equals("StatefulSet")
                    ? kubelet.run(admin.apps().statefulSets().inNamespace(NAMESPACE).withName(name).get(), 0, logDir)
                    : kubelet.run(admin.apps().deployments().inNamespace(NAMESPACE).withName(name).get(), logDir);
        }
        pods.add(pod);
        return pod;
    }

    /** Waits until the pod's readiness probe (its path, on the component's port) answers 200. */
    static void awaitReady(PodProcess pod, Component component, Duration timeout) throws InterruptedException {
        String path = pod.pod().getSpec().getContainers().get(0).getReadinessProbe().getHttpGet().getPath();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!pod.alive()) {
                throw new IllegalStateException(pod.name() + " exited with " + pod.exitCode() + "; see " + pod.log());
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + component.opsPort() + path)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(pod.name() + " not ready within " + timeout + "; see " + pod.log());
    }

    /** Creates a Secret in the installation's namespace, as an operator (or Strimzi's User Operator) would. */
    void secret(String name, Map<String, String> data) {
        try (KubernetesClient admin = server.adminClient()) {
            secret(admin, name, data);
        }
    }

    private static void secret(KubernetesClient admin, String name, Map<String, String> data) {
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach((key, value) -> encoded.put(key, Base64.getEncoder().encodeToString(
                value.getBytes(StandardCharsets.UTF_8))));
        admin.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder().withNewMetadata().withName(name)
                .endMetadata().withData(encoded).build()).create();
    }

    /**
     * A role of Vault's Kubernetes auth for the release's service account of {@code component}, with
     * the service's shipped policy and the audience the chart's projected token carries.
     */
    private static void vaultRole(Dependencies dependencies, String role, String component, String service,
                                  Map<String, String> settings) {
        String policy = dependencies.vault.servicePolicy(service, settings);
        dependencies.openBao.request("POST", "auth/kubernetes/role/" + role, Map.of(
                "bound_service_account_names", List.of(RELEASE + "-zonekeeper-" + component),
                "bound_service_account_namespaces", List.of(NAMESPACE),
                "audience", "vault", "token_policies", List.of(policy), "token_ttl", "1h"));
    }

    private static Map<String, String> withPrefix(Map<String, String> prefixes, String setting, String prefix) {
        Map<String, String> all = new LinkedHashMap<>(prefixes);
        all.put(setting, prefix);
        return all;
    }

    @Override
    public void close() {
        pods.forEach(PodProcess::close);
        kubelet.close();
        server.close();
    }
}
