package io.zonekeeper.testkit.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.zonekeeper.testkit.TempDirectories;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubelet emulation does what it claims, checked from inside the container: the image's entrypoint, working
 * directory and files; the env in order with {@code $(VAR)}, a field and a Secret; Secret items with their modes; a
 * projected token for the audience, bound to the Pod; the pod's user and fsGroup, no capabilities, no new privileges,
 * a read-only root with writable volumes; the memory limit the JVM sizes its heap from; SIGTERM delivered to the
 * container's own process; and a pod naming a Secret that does not exist is not started.
 */
class ProcessKubeletTest {

    private static final String NAMESPACE = "kubelet";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What the container prints, one fact per line, then waits for SIGTERM. */
    private static final String PROBE = String.join("; ",
            "echo uid=$(id -u) groups=$(id -G | tr ' ' ,)",
            "echo pwd=$(pwd)",
            "echo payload=$(cat /opt/payload.txt)",
            "echo greeting=$GREETING expanded=$EXPANDED pod=$POD_NAME password=$PASSWORD",
            "echo secret=$(cat /etc/creds/password) mode=$(stat -c %a /etc/creds/password)",
            "echo token=$(cat /var/run/secrets/tokens/token)",
            "touch /root-write 2>/dev/null && echo root=writable || echo root=read-only",
            "touch /scratch/file && echo scratch=writable",
            "echo $(grep -E '^(CapEff|NoNewPrivs)' /proc/self/status | sed 's/:[[:space:]]*/=/')",
            "echo heap=$(java -XX:+PrintFlagsFinal -version 2>/dev/null | awk '/ MaxHeapSize /{print $4}')",
            "trap 'echo terminated; exit 0' TERM",
            "sleep 120 & echo child=$!",
            "echo started",
            "wait");

    private static KubeApiServer server;
    private static Path context;

    @BeforeAll
    static void start() throws IOException {
        server = KubeApiServer.start("kubelet", List.of());
        context = Files.createTempDirectory("image");
        Files.writeString(context.resolve("payload.txt"), "from-the-image");
        Files.writeString(context.resolve("Dockerfile"), """
                FROM alpine
                WORKDIR /work
                COPY payload.txt /opt/payload.txt
                ENV GREETING="hello there" \\
                    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50"
                ENTRYPOINT ["/bin/sh", "-c", %s]
                """.formatted(JSON.writeValueAsString(PROBE)));
        try (KubernetesClient admin = server.adminClient()) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE)
                    .addToLabels("pod-security.kubernetes.io/enforce", "restricted").endMetadata().build()).create();
            admin.serviceAccounts().inNamespace(NAMESPACE).resource(new ServiceAccountBuilder().withNewMetadata()
                    .withName("probe").endMetadata().build()).create();
            admin.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder().withNewMetadata().withName("creds")
                    .endMetadata().addToStringData("password", "s3cret").build()).create();
        }
    }

    @AfterAll
    static void stop() {
        server.close();
        TempDirectories.delete(context);
    }

    @Test
    void theContainerSeesWhatItsSpecSaysAndNothingElse(@TempDir Path logs) throws Exception {
        try (ProcessKubelet kubelet = new ProcessKubelet(server, Map.of("probe:1",
                ContainerImage.fromDockerfile(context.resolve("Dockerfile"))))) {
            PodProcess pod = kubelet.run(deployment("creds"), logs);
            await().atMost(Duration.ofMinutes(1)).until(() -> Files.readString(pod.log()).contains("started"));
            Map<String, String> facts = facts(Files.readString(pod.log()));

            assertThat(facts).containsEntry("uid", "10001").containsEntry("pwd", "/work")
                    .containsEntry("payload", "from-the-image").containsEntry("greeting", "hello")
                    .containsEntry("expanded", pod.name() + "-suffix").containsEntry("pod", pod.name())
                    .containsEntry("password", "s3cret").containsEntry("secret", "s3cret")
                    .containsEntry("mode", "440").containsEntry("root", "read-only")
                    .containsEntry("scratch", "writable").containsEntry("CapEff", "0000000000000000")
                    .containsEntry("NoNewPrivs", "1");
            assertThat(facts.get("groups").split(",")).contains("2000");
            // 50 % of the 512 MiB limit, rounded by the JVM to its heap alignment; the machine has gigabytes.
            assertThat(Long.parseLong(facts.get("heap"))).isBetween(200L << 20, 256L << 20);
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(facts.get("token").split("\\.")[1]));
            assertThat(claims.path("aud").get(0).asText()).isEqualTo("vault");
            assertThat(claims.path("kubernetes.io").path("pod").path("name").asText()).isEqualTo(pod.name());
            assertThat(claims.path("kubernetes.io").path("serviceaccount").path("name").asText()).isEqualTo("probe");
            // /var/run is a link to /run: the mount went inside the pod's root, not onto the machine.
            assertThat(Path.of("/run/secrets/tokens")).doesNotExist();

            ProcessHandle child = ProcessHandle.of(Long.parseLong(facts.get("child"))).orElseThrow();
            pod.close();
            assertThat(Files.readString(pod.log())).contains("terminated");
            assertThat(pod.exitCode()).isZero();
            // Its background child stopped with it, as every process of a container does.
            assertThat(child.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS).isAlive()).isFalse();
        }
    }

    @Test
    void aPodNamingAMissingSecretIsNotStarted(@TempDir Path logs) {
        try (ProcessKubelet kubelet = new ProcessKubelet(server, Map.of("probe:1",
                ContainerImage.fromDockerfile(context.resolve("Dockerfile"))));
             KubernetesClient admin = server.adminClient()) {
            assertThatThrownBy(() -> kubelet.run(deployment("no-such-secret"), logs))
                    .hasMessageContaining("CreateContainerConfigError").hasMessageContaining("no-such-secret");
            assertThat(admin.pods().inNamespace(NAMESPACE).list().getItems()).isEmpty();
        }
    }

    /** A restricted pod of the probe image, its password from Secret {@code secret}. */
    private static Deployment deployment(String secret) {
        return new DeploymentBuilder().withNewMetadata().withName("probe").withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "probe").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "probe").endMetadata()
                .withNewSpec().withServiceAccountName("probe").withAutomountServiceAccountToken(false)
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(10001L).withRunAsGroup(10001L)
                .withFsGroup(2000L).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .addNewContainer().withName("probe").withImage("probe:1")
                .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .addNewEnv().withName("POD_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("EXPANDED").withValue("$(POD_NAME)-suffix").endEnv()
                .addNewEnv().withName("PASSWORD").withNewValueFrom().withNewSecretKeyRef().withName(secret)
                .withKey("password").endSecretKeyRef().endValueFrom().endEnv()
                .addNewVolumeMount().withName("creds").withMountPath("/etc/creds").withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("token").withMountPath("/var/run/secrets/tokens").withReadOnly(true)
                .endVolumeMount()
                .addNewVolumeMount().withName("scratch").withMountPath("/scratch").endVolumeMount()
                .withNewResources().addToLimits("memory", new Quantity("512Mi")).endResources()
                .endContainer()
                .addNewVolume().withName("creds").withNewSecret().withSecretName("creds").addNewItem()
                .withKey("password").withPath("password").withMode(0440).endItem().endSecret().endVolume()
                .addNewVolume().withName("token").withNewProjected().addNewSource().withNewServiceAccountToken()
                .withAudience("vault").withExpirationSeconds(3600L).withPath("token").endServiceAccountToken()
                .endSource().endProjected().endVolume()
                .addNewVolume().withName("scratch").withNewEmptyDir().endEmptyDir().endVolume()
                .endSpec().endTemplate().endSpec().build();
    }

    /** The {@code name=value} facts the probe printed, words split on spaces. */
    private static Map<String, String> facts(String log) {
        Map<String, String> facts = new java.util.LinkedHashMap<>();
        for (String word : log.split("\\s+")) {
            int equals = word.indexOf('=');
            if (equals > 0) {
                facts.putIfAbsent(word.substring(0, equals), word.substring(equals + 1));
            }
        }
        return facts;
    }
}
