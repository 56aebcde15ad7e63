package io.zonekeeper.common.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.zonekeeper.common.audit.ResourceChange;
import io.zonekeeper.common.retry.Retry;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * The one way Zonekeeper writes objects into a cluster: read, create when missing, replace only when the cluster's
 * copy differs from the desired one, so a replay writes nothing. Create-or-update, which both real API servers and
 * the CRUD mock support, never server-side apply. Transient faults are retried; a 409 (the object changed, or was
 * created, between the read and the write) reads again, a few times, since another instance or a person may be
 * writing the same object.
 */
public final class KubernetesObjects {

    private static final int MAX_CONFLICTS = 5;

    private final Retry retry;

    public KubernetesObjects(Retry retry) {
        this.retry = retry;
    }

    /**
     * @param same         whether the cluster's copy (first) already is what the desired object (second) asks for
     * @param merge        the object to write over the cluster's copy (first), from the desired one (second): for
     *                     what of the cluster's copy to keep, such as labels others set
     * @param beforeCreate what must exist before the object can be created (its namespace, say)
     */
    public <T extends HasMetadata> ResourceChange ensure(KubernetesClient client, T desired, BiPredicate<T, T> same,
                                                 BinaryOperator<T> merge, Runnable beforeCreate) {
        for (int attempt = 1; ; attempt++) {
            try {
                return ensureOnce(client, desired, same, merge, beforeCreate);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= MAX_CONFLICTS) {
                    throw e;
                }
            }
        }
    }

    /** Creates the object if it is missing and leaves it as it is otherwise (a namespace, say). */
    public ResourceChange ensureExists(KubernetesClient client, HasMetadata desired) {
        return ensure(client, desired, (actual, wanted) -> true, (actual, wanted) -> actual, () -> { });
    }

    public ResourceChange delete(KubernetesClient client, HasMetadata object) {
        List<?> deleted = call("delete " + describe(object), () -> client.resource(object).delete());
        return ResourceChange.deletedIf(deleted != null && !deleted.isEmpty());
    }

    private <T extends HasMetadata> ResourceChange ensureOnce(KubernetesClient client, T desired, BiPredicate<T, T> same,
                                                      BinaryOperator<T> merge, Runnable beforeCreate) {
        Resource<T> resource = client.resource(desired);
        T actual = call("get " + describe(desired), resource::get);
        if (actual == null) {
            beforeCreate.run();
            call("create " + describe(desired), resource::create);
            return ResourceChange.CREATED;
        }
        if (same.test(actual, desired)) {
            return ResourceChange.UNCHANGED;
        }
        T replacement = merge.apply(actual, desired);
        replacement.getMetadata().setResourceVersion(actual.getMetadata().getResourceVersion());
        call("update " + describe(desired), () -> client.resource(replacement).update());
        return ResourceChange.UPDATED;
    }

    private <T> T call(String operation, Supplier<T> request) {
        return retry.call("kubernetes " + operation, KubernetesErrors::isRetryable, request::get);
    }

    public static String describe(HasMetadata object) {
        return object.getKind() + "/" + object.getMetadata().getName();
    }
}
