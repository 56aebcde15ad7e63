package io.zonekeeper.cert.kubernetes;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.zonekeeper.cert.model.TlsMaterial;
import io.zonekeeper.cert.vault.CertificateVault;
import io.zonekeeper.common.audit.ResourceChange;
import io.zonekeeper.common.kubernetes.KubernetesObjects;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code kubernetes.io/tls} Secrets Zonekeeper keeps in a cluster, written with {@link KubernetesObjects}: only
 * when their certificate, key or trust bundle differ from what the cluster has, so a replay writes nothing.
 */
public final class TlsSecrets {

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String SERIAL = "zonekeeper.io/certificate-serial";
    private static final String TLS_TYPE = "kubernetes.io/tls";

    private final String namespace;
    private final KubernetesObjects objects;

    public TlsSecrets(String namespace, KubernetesObjects objects) {
        this.namespace = namespace;
        this.objects = objects;
    }

    public String namespace() {
        return namespace;
    }

    public ResourceChange ensure(KubernetesClient client, String name, TlsMaterial material, String serial) {
        Secret desired = new SecretBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name)
                .addToLabels(MANAGED_BY, "zonekeeper")
                .addToAnnotations(SERIAL, serial)
                .endMetadata()
                .withType(TLS_TYPE)
                .withData(data(material))
                .build();
        // The namespace is looked for only when the Secret is missing: a renewal costs no extra read.
        return objects.ensure(client, desired, TlsSecrets::sameTls, (actual, wanted) -> wanted,
                () -> objects.ensureExists(client, new NamespaceBuilder().withNewMetadata().withName(namespace)
                        .addToLabels(MANAGED_BY, "zonekeeper").endMetadata().build()));
    }

    /** Deletes the Secret: DELETED if there was one. */
    public ResourceChange delete(KubernetesClient client, String name) {
        return objects.delete(client, new SecretBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .endMetadata().build());
    }

    private static boolean sameTls(Secret actual, Secret desired) {
        return desired.getData().equals(actual.getData()) && TLS_TYPE.equals(actual.getType());
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
}
