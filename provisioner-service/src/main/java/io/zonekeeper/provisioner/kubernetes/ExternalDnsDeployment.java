package io.zonekeeper.provisioner.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.zonekeeper.common.kubernetes.KubernetesErrors;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.provisioner.model.FleetPolling;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * ExternalDNS and its credentials Secret in one cluster. Objects are created when missing and replaced only
 * when their spec hash differs from the desired one: create-or-update, which both real API servers and the CRUD
 * mock support, never server-side apply.
 */
public final class ExternalDnsDeployment {

    /** What one reconcile of a cluster changed, as {@code Kind/name} entries. */
    public record Result(List<String> created, List<String> updated) {

        public boolean changed() {
            return !created.isEmpty() || !updated.isEmpty();
        }
    }

    private static final int MAX_CONFLICTS = 5;

    private final ExternalDnsManifests manifests;
    private final Retry retry;

    public ExternalDnsDeployment(ExternalDnsManifests manifests, Retry retry) {
        this.manifests = manifests;
        this.retry = retry;
    }

    public Result ensure(KubernetesClient client, ExternalDnsManifests.Target target,
                         ExternalDnsManifests.Credentials credentials, FleetPolling polling) {
        List<String> created = new ArrayList<>();
        List<String> updated = new ArrayList<>();
        for (HasMetadata desired : List.of(manifests.namespace(), manifests.credentialsSecret(credentials),
                manifests.serviceAccount(), manifests.clusterRole(), manifests.clusterRoleBinding(),
                manifests.deployment(target, credentials, polling))) {
            switch (ensure(client, desired)) {
                case CREATED -> created.add(describe(desired));
                case UPDATED -> updated.add(describe(desired));
                case UNCHANGED -> { }
            }
        }
        return new Result(created, updated);
    }

    /** Removes everything ExternalDNS-related Zonekeeper made in the cluster; the namespace stays. */
    public int remove(KubernetesClient client) {
        int removed = 0;
        for (HasMetadata object : manifests.removable()) {
            List<?> deleted = call("delete " + describe(object), () -> client.resource(object).delete());
            removed += deleted == null ? 0 : deleted.size();
        }
        return removed;
    }

    private enum Outcome { CREATED, UPDATED, UNCHANGED }

    private Outcome ensure(KubernetesClient client, HasMetadata desired) {
        for (int attempt = 1; ; attempt++) {
            try {
                return ensureOnce(client, desired);
            } catch (KubernetesClientException e) {
                // 409: someone changed the object between our read and our write (or created it first). Read again.
                if (e.getCode() != 409 || attempt >= MAX_CONFLICTS) {
                    throw e;
                }
            }
        }
    }

    private Outcome ensureOnce(KubernetesClient client, HasMetadata desired) {
        Resource<HasMetadata> resource = client.resource(desired);
        HasMetadata actual = call("get " + describe(desired), resource::get);
        if (actual == null) {
            call("create " + describe(desired), resource::create);
            return Outcome.CREATED;
        }
        String actualHash = actual.getMetadata().getAnnotations() == null ? null
                : actual.getMetadata().getAnnotations().get(ExternalDnsManifests.SPEC_HASH);
        if (Objects.equals(actualHash, desired.getMetadata().getAnnotations().get(ExternalDnsManifests.SPEC_HASH))) {
            return Outcome.UNCHANGED;
        }
        desired.getMetadata().setResourceVersion(actual.getMetadata().getResourceVersion());
        // Labels and annotations others set stay (a namespace's pod-security labels, say); ours win where both set.
        desired.getMetadata().setLabels(merged(actual.getMetadata().getLabels(), desired.getMetadata().getLabels()));
        desired.getMetadata().setAnnotations(merged(actual.getMetadata().getAnnotations(),
                desired.getMetadata().getAnnotations()));
        call("update " + describe(desired), () -> client.resource(desired).update());
        return Outcome.UPDATED;
    }

    private static Map<String, String> merged(Map<String, String> actual, Map<String, String> desired) {
        Map<String, String> merged = new TreeMap<>(actual == null ? Map.of() : actual);
        merged.putAll(desired == null ? Map.of() : desired);
        return merged;
    }

    private <T> T call(String operation, java.util.function.Supplier<T> request) {
        return retry.call("kubernetes " + operation, KubernetesErrors::isRetryable, request::get);
    }

    private static String describe(HasMetadata object) {
        return object.getKind() + "/" + object.getMetadata().getName();
    }
}
