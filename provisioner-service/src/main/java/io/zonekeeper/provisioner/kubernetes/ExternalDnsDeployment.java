package io.zonekeeper.provisioner.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.zonekeeper.common.audit.ResourceChange;
import io.zonekeeper.common.kubernetes.KubernetesObjects;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.provisioner.model.FleetPolling;
import io.zonekeeper.schemas.ResourceType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * ExternalDNS and its credentials Secret in one cluster. Objects are written with {@link KubernetesObjects}:
 * created when missing and replaced only when their spec hash differs from the desired one.
 */
public final class ExternalDnsDeployment {

    /** What one reconcile of a cluster did to one object; the credentials Secret is audited apart from the rest. */
    public record Applied(String object, boolean credentials, ResourceChange change) {

        public ResourceType resourceType() {
            return credentials ? ResourceType.KUBERNETES_SECRET : ResourceType.EXTERNAL_DNS;
        }
    }

    /** What one reconcile of a cluster changed, object by object. */
    public record Result(List<Applied> applied) {

        public boolean changed() {
            return !applied.isEmpty();
        }

        /** The objects with that change, as {@code Kind/name}. */
        public List<String> objects(ResourceChange change) {
            return applied.stream().filter(a -> a.change() == change).map(Applied::object).toList();
        }

        public List<String> created() {
            return objects(ResourceChange.CREATED);
        }

        public List<String> updated() {
            return objects(ResourceChange.UPDATED);
        }
    }

    private final ExternalDnsManifests manifests;
    private final KubernetesObjects objects;

    public ExternalDnsDeployment(ExternalDnsManifests manifests, KubernetesObjects objects) {
        this.manifests = manifests;
        this.objects = objects;
    }

    /** Every object ExternalDNS needs, in the order they depend on each other. */
    public Result ensure(KubernetesClient client, ExternalDnsManifests.Target target,
                                ExternalDnsManifests.Credentials credentials, FleetPolling polling) {
        HasMetadata secret = manifests.credentialsSecret(credentials);
        List<Applied> changed = new ArrayList<>();
        for (HasMetadata desired : List.of(manifests.namespace(), secret, manifests.serviceAccount(),
                manifests.clusterRole(), manifests.clusterRoleBinding(),
                manifests.deployment(target, credentials, polling))) {
            ResourceChange change = objects.ensure(client, desired, ExternalDnsDeployment::sameSpec,
                    ExternalDnsDeployment::keepingOthersMetadata, () -> { });
            if (change.changed()) {
                changed.add(new Applied(KubernetesObjects.describe(desired), desired == secret, change));
            }
        }
        return new Result(List.copyOf(changed));
    }

    /** Removes everything ExternalDNS-related Zonekeeper made in the cluster; the namespace stays. */
    public int remove(KubernetesClient client) {
        int removed = 0;
        for (HasMetadata object : manifests.removable()) {
            removed += objects.delete(client, object).changed() ? 1 : 0;
        }
        return removed;
    }

    private static boolean sameSpec(HasMetadata actual, HasMetadata desired) {
        String actualHash = actual.getMetadata().getAnnotations() == null ? null
                : actual.getMetadata().getAnnotations().get(ExternalDnsManifests.SPEC_HASH);
        return Objects.equals(actualHash, desired.getMetadata().getAnnotations().get(ExternalDnsManifests.SPEC_HASH));
    }

    /** Labels and annotations others set stay (a namespace's pod-security labels, say); ours win where both set. */
    private static HasMetadata keepingOthersMetadata(HasMetadata actual, HasMetadata desired) {
        desired.getMetadata().setLabels(merged(actual.getMetadata().getLabels(), desired.getMetadata().getLabels()));
        desired.getMetadata().setAnnotations(merged(actual.getMetadata().getAnnotations(),
                desired.getMetadata().getAnnotations()));
        return desired;
    }

    private static Map<String, String> merged(Map<String, String> actual, Map<String, String> desired) {
        Map<String, String> merged = new TreeMap<>(actual == null ? Map.of() : actual);
        merged.putAll(desired == null ? Map.of() : desired);
        return merged;
    }
}
