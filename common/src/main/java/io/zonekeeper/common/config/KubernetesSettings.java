package io.zonekeeper.common.config;

import java.time.Duration;

/** How the services that write into clusters (the provisioner, the cert service) talk to a cluster's API server. */
public final class KubernetesSettings {

    public static final Setting<Duration> REQUEST_TIMEOUT = Setting.duration("KUBERNETES_REQUEST_TIMEOUT", "10s",
            "per request to a cluster's API server");

    private KubernetesSettings() {
    }
}
