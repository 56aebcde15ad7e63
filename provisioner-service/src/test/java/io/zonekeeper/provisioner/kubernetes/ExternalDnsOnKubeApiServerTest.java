package io.zonekeeper.provisioner.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.kubernetes.KubernetesObjects;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.provisioner.model.FleetPolling;
import io.zonekeeper.testkit.ProjectDirectories;
import io.zonekeeper.testkit.kubernetes.KubeApiServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ExternalDNS's objects on a real kube-apiserver, written by the provisioner's adapter as the user the shipped RBAC
 * manifest ({@code kubernetes/zonekeeper-provisioner-rbac.yaml}) binds: the server validates and defaults them,
 * enforces RBAC (including the escalation check on the ClusterRole the provisioner grants ExternalDNS), and a
 * replay still writes nothing although the server added defaults to every object.
 */
class ExternalDnsOnKubeApiServerTest {

    private static final String PROVISIONER = "zonekeeper-provisioner";
    private static final String UNDERPRIVILEGED = "provisioner-without-read-rights";
    private static final FleetPolling POLLING = new FleetPolling(FleetPolling.SHORTEST);
    private static final ExternalDnsManifests.Target TARGET =
            new ExternalDnsManifests.Target("acme.example.com.", "Z0123456789ABC", "prod-1");

    private static KubeApiServer cluster;
    private static final ExternalDnsDeployment DEPLOYMENT = new ExternalDnsDeployment(
            new ExternalDnsManifests(new ExternalDnsManifests.Settings("external-dns",
                    "registry.k8s.io/external-dns/external-dns:v0.21.0", "upsert-only")),
            new KubernetesObjects(new Retry(new RetrySettings(2, Duration.ofMillis(10), Duration.ofMillis(20), 0.1),
                    new SimpleMeterRegistry())));

    @BeforeAll
    static void start() {
        cluster = KubeApiServer.start("provisioner-rbac", List.of(PROVISIONER, UNDERPRIVILEGED));
        cluster.createAsAdmin(rbacManifest());
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void createsEveryObjectOnceUpdatesOnANewKeyRepairsEditsAndRemovesThemUnderTheShippedRbac() {
        try (KubernetesClient provisioner = cluster.client(PROVISIONER); KubernetesClient admin = cluster.adminClient()) {
            // The cluster's administrator enforces pod security in the namespace: Zonekeeper must not wipe that.
            admin.namespaces().withName("external-dns").edit(namespace -> {
                namespace.getMetadata().getLabels().put("pod-security.kubernetes.io/enforce", "restricted");
                return namespace;
            });
            var first = DEPLOYMENT.ensure(provisioner, TARGET, credentials("AKIAFIRST", 1), POLLING);
            assertThat(admin.namespaces().withName("external-dns").get().getMetadata().getLabels())
                    .containsEntry("pod-security.kubernetes.io/enforce", "restricted")
                    .containsEntry("app.kubernetes.io/managed-by", "zonekeeper");
            // The namespace exists (the manifest made it): it is labelled (updated), everything else created.
            assertThat(first.created()).containsExactlyInAnyOrder("Secret/external-dns-aws-credentials",
                    "ServiceAccount/external-dns", "ClusterRole/zonekeeper-external-dns",
                    "ClusterRoleBinding/zonekeeper-external-dns", "Deployment/external-dns");
            assertThat(first.updated()).containsExactly("Namespace/external-dns");

            Deployment stored = admin.apps().deployments().inNamespace("external-dns").withName("external-dns").get();
            // Defaulted by the server: what made whole-object comparison see drift on every replay.
            assertThat(stored.getSpec().getRevisionHistoryLimit()).isEqualTo(10);
            assertThat(stored.getSpec().getTemplate().getSpec().getContainers().get(0).getImagePullPolicy())
                    .isEqualTo("IfNotPresent");

            var replay = DEPLOYMENT.ensure(provisioner, TARGET, credentials("AKIAFIRST", 1), POLLING);
            assertThat(replay.changed()).isFalse();

            var rotated = DEPLOYMENT.ensure(provisioner, TARGET, credentials("AKIASECOND", 2), POLLING);
            assertThat(rotated.updated()).containsExactlyInAnyOrder("Secret/external-dns-aws-credentials",
                    "Deployment/external-dns");
            assertThat(admin.apps().deployments().inNamespace("external-dns").withName("external-dns").get()
                    .getMetadata().getGeneration()).isEqualTo(2);

            // Someone edits ExternalDNS's RBAC and service account: the next reconcile puts them back (updates
            // that the shipped RBAC allows by name).
            admin.rbac().clusterRoles().withName(ExternalDnsManifests.CLUSTER_ROLE).edit(role -> {
                role.getMetadata().getAnnotations().put(ExternalDnsManifests.SPEC_HASH, "edited");
                role.getRules().get(0).getVerbs().add("delete");
                return role;
            });
            admin.rbac().clusterRoleBindings().withName(ExternalDnsManifests.CLUSTER_ROLE).edit(binding -> {
                binding.getMetadata().getAnnotations().put(ExternalDnsManifests.SPEC_HASH, "edited");
                return binding;
            });
            admin.serviceAccounts().inNamespace("external-dns").withName("external-dns").edit(account -> {
                account.getMetadata().getAnnotations().put(ExternalDnsManifests.SPEC_HASH, "edited");
                return account;
            });
            var repaired = DEPLOYMENT.ensure(provisioner, TARGET, credentials("AKIASECOND", 2), POLLING);
            assertThat(repaired.updated()).containsExactlyInAnyOrder("ClusterRole/zonekeeper-external-dns",
                    "ClusterRoleBinding/zonekeeper-external-dns", "ServiceAccount/external-dns");
            assertThat(admin.rbac().clusterRoles().withName(ExternalDnsManifests.CLUSTER_ROLE).get().getRules().get(0)
                    .getVerbs()).containsExactly("get", "list", "watch");

            assertThat(DEPLOYMENT.remove(provisioner)).isEqualTo(5);
            assertThat(admin.apps().deployments().inNamespace("external-dns").withName("external-dns").get()).isNull();
            assertThat(admin.rbac().clusterRoles().withName(ExternalDnsManifests.CLUSTER_ROLE).get()).isNull();
            assertThat(admin.namespaces().withName("external-dns").get()).isNotNull();
        }
    }

    @Test
    void withoutTheRightsItGrantsExternalDnsTheProvisionerCannotCreateItsClusterRole() {
        // The shipped ClusterRole minus its read rules, bound to a second user: RBAC refuses to let it grant them.
        try (KubernetesClient admin = cluster.adminClient()) {
            ClusterRole trimmed = admin.rbac().clusterRoles().withName(PROVISIONER).get();
            trimmed.getMetadata().setName(UNDERPRIVILEGED);
            trimmed.getMetadata().setResourceVersion(null);
            trimmed.getMetadata().setUid(null);
            trimmed.setRules(trimmed.getRules().stream()
                    .filter(rule -> !rule.getVerbs().contains("list")).toList());
            admin.rbac().clusterRoles().resource(trimmed).create();
            admin.rbac().clusterRoleBindings().resource(new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder()
                    .withNewMetadata().withName(UNDERPRIVILEGED).endMetadata()
                    .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                    .withName(UNDERPRIVILEGED).endRoleRef()
                    .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User")
                    .withName(UNDERPRIVILEGED).endSubject().build()).create();
        }
        ExternalDnsManifests manifests = new ExternalDnsManifests(new ExternalDnsManifests.Settings("external-dns",
                "registry.k8s.io/external-dns/external-dns:v0.21.0", "upsert-only"));
        try (KubernetesClient underprivileged = cluster.client(UNDERPRIVILEGED)) {
            assertThatThrownBy(() -> underprivileged.rbac().clusterRoles().resource(manifests.clusterRole()).create())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                        assertThat(e.getCode()).isEqualTo(403);
                        assertThat(e.getMessage()).contains("attempting to grant RBAC permissions not currently held");
                    });
        }
    }

    private static ExternalDnsManifests.Credentials credentials(String accessKeyId, int version) {
        return new ExternalDnsManifests.Credentials(accessKeyId, "secret-" + accessKeyId, version);
    }

    private static Path rbacManifest() {
        return ProjectDirectories.root().resolve("kubernetes").resolve("zonekeeper-provisioner-rbac.yaml");
    }
}
