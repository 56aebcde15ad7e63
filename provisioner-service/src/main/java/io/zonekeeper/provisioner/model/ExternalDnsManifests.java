package io.zonekeeper.provisioner.model;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Kubernetes objects that run ExternalDNS in one cluster for its organization's zone, built with no I/O.
 * Each object carries a hash of its desired content, so a reconcile rewrites an object only when what Zonekeeper
 * wants changed (comparing whole objects would see the API server's defaults as drift on every replay).
 */
public final class ExternalDnsManifests {

    public static final String NAME = "external-dns";
    public static final String SECRET_NAME = "external-dns-aws-credentials";
    public static final String CLUSTER_ROLE = "zonekeeper-external-dns";
    public static final String SPEC_HASH = "zonekeeper.io/spec-hash";
    public static final String CREDENTIALS_HASH = "zonekeeper.io/credentials-hash";
    static final Map<String, String> LABELS = Map.of(
            "app.kubernetes.io/name", NAME,
            "app.kubernetes.io/managed-by", "zonekeeper");
    private static final String CREDENTIALS_DIR = "/.aws";
    /** ExternalDNS's metrics and health endpoint ({@code /healthz}), what the probes ask. */
    static final int HEALTH_PORT = 7979;

    /** What to deploy: where, which image, and ExternalDNS's record policy. */
    public record Settings(String namespace, String image, String policy) {
    }

    /** The organization's zone and the cluster's identity in it. */
    public record Target(String zoneName, String zoneId, String clusterId) {
    }

    /** The access key, as stored in Vault (version included so a new key rolls the pods). */
    public record Credentials(String accessKeyId, String secretAccessKey, int vaultVersion) {

        @Override
        public String toString() {
            return "Credentials[accessKeyId=" + accessKeyId + ", secretAccessKey=****, vaultVersion=" + vaultVersion + "]";
        }
    }

    private final Settings settings;

    public ExternalDnsManifests(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    public Namespace namespace() {
        return hashed(new NamespaceBuilder().withNewMetadata().withName(settings.namespace()).withLabels(LABELS)
                .endMetadata().build());
    }

    /** Credentials in the shared-credentials-file form the AWS SDK inside ExternalDNS reads. */
    public Secret credentialsSecret(Credentials credentials) {
        String file = "[default]\naws_access_key_id = " + credentials.accessKeyId() + "\naws_secret_access_key = "
                + credentials.secretAccessKey() + "\n";
        // Base64 data rather than stringData: an API server converts stringData, simpler servers do not.
        return hashed(new SecretBuilder().withNewMetadata().withName(SECRET_NAME).withNamespace(settings.namespace())
                .withLabels(LABELS).endMetadata()
                .withType("Opaque")
                .addToData("credentials", Base64.getEncoder().encodeToString(file.getBytes(StandardCharsets.UTF_8)))
                .build());
    }

    public ServiceAccount serviceAccount() {
        return hashed(new ServiceAccountBuilder().withNewMetadata().withName(NAME).withNamespace(settings.namespace())
                .withLabels(LABELS).endMetadata().build());
    }

    public ClusterRole clusterRole() {
        return hashed(new ClusterRoleBuilder().withNewMetadata().withName(CLUSTER_ROLE).withLabels(LABELS).endMetadata()
                .addNewRule().withApiGroups("").withResources("services", "endpoints", "pods", "nodes")
                .withVerbs("get", "list", "watch").endRule()
                .addNewRule().withApiGroups("networking.k8s.io", "extensions").withResources("ingresses")
                .withVerbs("get", "list", "watch").endRule()
                // Read by ExternalDNS from v0.18 on instead of endpoints; granted now so an image upgrade needs no
                // RBAC change.
                .addNewRule().withApiGroups("discovery.k8s.io").withResources("endpointslices")
                .withVerbs("get", "list", "watch").endRule()
                .build());
    }

    public ClusterRoleBinding clusterRoleBinding() {
        return hashed(new ClusterRoleBindingBuilder().withNewMetadata().withName(CLUSTER_ROLE).withLabels(LABELS)
                .endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                .withName(CLUSTER_ROLE).endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName(NAME).withNamespace(settings.namespace()).endSubject()
                .build());
    }

    public List<String> args(Target target, FleetPolling polling) {
        String domain = target.zoneName().endsWith(".")
                ? target.zoneName().substring(0, target.zoneName().length() - 1) : target.zoneName();
        return List.of(
                "--source=service",
                "--source=ingress",
                "--provider=aws",
                "--registry=txt",
                "--domain-filter=" + domain,
                "--zone-id-filter=" + target.zoneId(),
                "--aws-zone-type=public",
                "--txt-owner-id=" + target.clusterId(),
                // No --txt-prefix, on purpose: it can never change once records exist (ExternalDNS would no longer
                // see its own), and the teardown reads the registry as ExternalDNS writes it without one (old and new
                // format TXTs, see ExternalDnsOwnership).
                "--policy=" + settings.policy(),
                // The Route53 budget (FleetPolling): without a zones cache every sync lists all the account's zones
                // twice, whatever --zone-id-filter says; with it a sync costs one request, and the interval is sized
                // from the fleet so all instances together stay within their share of the account's bucket.
                // --events still applies a change to a Service or Ingress within seconds.
                "--aws-zones-cache-duration=" + FleetPolling.ZONES_CACHE.toHours() + "h",
                polling.intervalFlag(),
                "--events",
                "--metrics-address=:" + HEALTH_PORT);
    }

    public Deployment deployment(Target target, Credentials credentials, FleetPolling polling) {
        return hashed(new DeploymentBuilder()
                .withNewMetadata().withName(NAME).withNamespace(settings.namespace()).withLabels(LABELS).endMetadata()
                .withNewSpec()
                .withReplicas(1)
                // Two ExternalDNS instances of one owner id would fight over records: never run both.
                .withNewStrategy().withType("Recreate").endStrategy()
                .withNewSelector().addToMatchLabels("app.kubernetes.io/name", NAME).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(LABELS)
                .addToAnnotations(CREDENTIALS_HASH, credentialsHash(credentials)).endMetadata()
                .withNewSpec()
                .withServiceAccountName(NAME)
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(65534L).withFsGroup(65534L)
                .endSecurityContext()
                .addNewContainer()
                .withName(NAME)
                .withImage(settings.image())
                .withArgs(args(target, polling))
                .addNewEnv().withName("AWS_SHARED_CREDENTIALS_FILE").withValue(CREDENTIALS_DIR + "/credentials").endEnv()
                // Route53 is global, but the SDK in ExternalDNS 0.15 could not resolve its endpoint without a region:
                // it exited at start-up with "ListHostedZones, failed to resolve service endpoint, endpoint rule
                // error, Invalid Configuration: Missing Region". us-east-1 is where Route53's endpoint lives; kept
                // for 0.21, which the tests run with it.
                .addNewEnv().withName("AWS_REGION").withValue("us-east-1").endEnv()
                .addNewPort().withName("http").withContainerPort(HEALTH_PORT).endPort()
                .withNewLivenessProbe().withNewHttpGet().withPath("/healthz").withNewPort("http").endHttpGet()
                .withInitialDelaySeconds(10).withPeriodSeconds(10).withFailureThreshold(3).endLivenessProbe()
                .withNewReadinessProbe().withNewHttpGet().withPath("/healthz").withNewPort("http").endHttpGet()
                .withPeriodSeconds(10).endReadinessProbe()
                // The real 0.21.0 peaked at 92 MiB resident in RealExternalDnsTest (one zone, a few Services; 0.15.1:
                // 68 MiB): the request covers that, the limit bounds a leak with room for a busier cluster.
                .withNewResources()
                .addToRequests("cpu", new Quantity("10m"))
                .addToRequests("memory", new Quantity("128Mi"))
                .addToLimits("memory", new Quantity("256Mi"))
                .endResources()
                .addNewVolumeMount().withName("aws-credentials").withMountPath(CREDENTIALS_DIR).withReadOnly(true)
                .endVolumeMount()
                .withNewSecurityContext().withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false)
                .endSecurityContext()
                .endContainer()
                .addNewVolume().withName("aws-credentials").withNewSecret().withSecretName(SECRET_NAME).endSecret()
                .endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build());
    }

    /**
     * The objects {@link #deployment}, RBAC, service account and credentials Secret identify, metadata only, in the
     * order to delete them (the Deployment first, so ExternalDNS stops before its permissions and key go). The
     * namespace stays: other things may live in it.
     */
    public List<HasMetadata> removable() {
        return List.of(
                new DeploymentBuilder().withNewMetadata().withName(NAME).withNamespace(settings.namespace()).endMetadata()
                        .build(),
                new ClusterRoleBindingBuilder().withNewMetadata().withName(CLUSTER_ROLE).endMetadata().build(),
                new ClusterRoleBuilder().withNewMetadata().withName(CLUSTER_ROLE).endMetadata().build(),
                new ServiceAccountBuilder().withNewMetadata().withName(NAME).withNamespace(settings.namespace())
                        .endMetadata().build(),
                new SecretBuilder().withNewMetadata().withName(SECRET_NAME).withNamespace(settings.namespace())
                        .endMetadata().build());
    }

    /** Changes with the key (id and Vault version), never derived from the secret itself. */
    static String credentialsHash(Credentials credentials) {
        return sha256(credentials.accessKeyId() + ":" + credentials.vaultVersion()).substring(0, 16);
    }

    /** The object with an annotation holding the hash of everything else in it. */
    static <T extends HasMetadata> T hashed(T object) {
        String hash = sha256(Serialization.asJson(object)).substring(0, 16);
        object.getMetadata().setAnnotations(new TreeMap<>(object.getMetadata().getAnnotations() == null
                ? Map.of() : object.getMetadata().getAnnotations()));
        object.getMetadata().getAnnotations().put(SPEC_HASH, hash);
        return object;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
