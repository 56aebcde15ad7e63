package io.zonekeeper.common.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.zonekeeper.common.retry.Causes;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/** Which API-server failures are transient: unreachable, timing out, overloaded (429) or failing (5xx). */
public final class KubernetesErrors {

    private KubernetesErrors() {
    }

    public static boolean isRetryable(Throwable failure) {
        for (Throwable cause : Causes.of(failure)) {
            if (cause instanceof IOException || cause instanceof TimeoutException) {
                return true;
            }
            if (cause instanceof KubernetesClientException k8s && (k8s.getCode() == 429 || k8s.getCode() >= 500)) {
                return true;
            }
        }
        return false;
    }
}
