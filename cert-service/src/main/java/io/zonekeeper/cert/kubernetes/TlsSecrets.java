package io.zonekeeper.cert.kubernetes;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.zonekeeper.cert.model.TlsMaterial;
import io.zonekeeper.cert.vault.CertificateVault;
import io.zonekeeper.common.kubernetes.KubernetesErrors;
import io.zonekeeper.common.retry.Retry;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code kubernetes.io/tls} Secrets Zonekeeper keeps in a cluster. A Secret is written only when its
 * certificate, key or trust bundle differ from what the cluster has, so a replay writes nothing.
 */
public final class TlsSecrets {

    public enum Outcome { CREATED, UPDATED, UNCHANGED }

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String SERIAL = "zonekeeper.io/certificate-serial";
    private static final int MAX_CONFLICTS = 5;

    private final String namespace;
    private final Retry retry;

    public TlsSecrets(String namespace, Retry retry) {
        this.namespace = namespace;
        this.retry = retry;
    }

    public String namespace() {
        return namespace;
    }

    public Outcome ensure(KubernetesClient client, String name, TlsMaterial material, String serial) {
        Secret desired = new SecretBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name)
                .addToLabels(MANAGED_BY, "zonekeeper")
                .addToAnnotations(SERIAL, serial)
                .endMetadata()
                .withType("kubernetes.io/tls")
                .withData(data(material))
                .build();
        for (int attempt = 1; ; attempt++) {
            try {
                return ensureOnce(client, desired);
            } catch (KubernetesClientException e) {
                // 409: changed or created between our read and our write. Read again.
                if (e.getCode() != 409 || attempt >= MAX_CONFLICTS) {
                    throw e;
                }
            }
        }
    }

    /** Deletes the Secret; true if there was one. */
    public boolean delete(KubernetesClient client, String name) {
        var deleted = call("delete Secret/" + name,
                () -> client.secrets().inNamespace(namespace).withName(name).delete());
        return deleted != null && !deleted.isEmpty();
    }

    private Outcome ensureOnce(KubernetesClient client, Secret desired) {
        String name = desired.getMetadata().getName();
        var resource = client.secrets().inNamespace(namespace).withName(name);
        Secret actual = call("get Secret/" + name, resource::get);
        if (actual == null) {
            ensureNamespace(client);
            call("create Secret/" + name, () -> client.secrets().inNamespace(namespace).resource(desired).create());
            return Outcome.CREATED;
        }
        if (desired.getData().equals(actual.getData()) && "kubernetes.io/tls".equals(actual.getType())) {
            return Outcome.UNCHANGED;
        }
        desired.getMetadata().setResourceVersion(actual.getMetadata().getResourceVersion());
        call("update Secret/" + name, () -> client.secrets().inNamespace(namespace).resource(desired).update());
        return Outcome.UPDATED;
    }

    private void ensureNamespace(KubernetesClient client) {
        if (call("get Namespace/" + namespace, () -> client.namespaces().withName(namespace).get()) == null) {
            try {
                call("create Namespace/" + namespace, () -> client.namespaces().resource(new NamespaceBuilder()
                        .withNewMetadata().withName(namespace).addToLabels(MANAGED_BY, "zonekeeper").endMetadata()
                        .build()).create());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
    }

    private static Map<String, String> data(TlsMaterial material) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(CertificateVault.TLS_CRT, base64(material.certificateChain()));
        data.put(CertificateVault.TLS_KEY, base64(material.privateKey()));
        data.put(CertificateVault.CA_CRT, base64(material.caBundle()));
        return data;
    }

    private static String base64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    private <T> T call(String operation, Supplier<T> request) {
        return retry.call("kubernetes " + operation, KubernetesErrors::isRetryable, request::get);
    }
}
