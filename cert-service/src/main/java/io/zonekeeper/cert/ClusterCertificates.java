package io.zonekeeper.cert;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.zonekeeper.cert.kubernetes.TlsSecrets;
import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.cert.model.CertificateIssuer;
import io.zonekeeper.cert.model.Certificates;
import io.zonekeeper.cert.model.IssuedCertificate;
import io.zonekeeper.cert.model.OrgAuthority;
import io.zonekeeper.cert.model.Pem;
import io.zonekeeper.cert.model.TlsMaterial;
import io.zonekeeper.cert.vault.CertificateVault;
import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.audit.ResourceChange;
import io.zonekeeper.common.kubernetes.ClusterClaimedException;
import io.zonekeeper.common.kubernetes.ClusterClaims;
import io.zonekeeper.common.kubernetes.ClusterClients;
import io.zonekeeper.common.kubernetes.ClusterRef;
import io.zonekeeper.common.kubernetes.KubeconfigUnusableException;
import io.zonekeeper.common.retry.TransientFailureException;
import io.zonekeeper.common.vault.Stored;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.ResourceType;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The certificates of clusters: issued when missing, reused while valid, reissued when due, stored in Vault
 * and injected into the cluster. Every call reads what exists and changes only the difference, so replays and
 * repeated commands are harmless.
 */
final class ClusterCertificates {

    /** One certificate of one cluster, as a lifecycle event, request or stored state names it. */
    record Target(String orgId, String orgName, String clusterId, String clusterName, String certificateName,
                  List<String> dnsNames, String kubeconfigPath, boolean inject) {
    }

    /** The certificate the cluster has now, and whether this call changed anything. */
    record Outcome(X509Certificate certificate, String vaultPath, String secretRef, boolean changed) {
    }

    private final CertNaming naming;
    private final CertificateVault vault;
    private final TlsSecrets secrets;
    private final ClusterClients clusters;
    private final CertificateIssuer issuer;
    private final CertConfig.Issuance issuance;
    private final Clock clock;
    private final MeterRegistry metrics;

    ClusterCertificates(CertNaming naming, CertificateVault vault, TlsSecrets secrets, ClusterClients clusters,
                        CertificateIssuer issuer, CertConfig.Issuance issuance, Clock clock, MeterRegistry metrics) {
        this.naming = naming;
        this.vault = vault;
        this.secrets = secrets;
        this.clusters = clusters;
        this.issuer = issuer;
        this.issuance = issuance;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * Claims the cluster for its organization, or refuses the record with a {@link ClusterClaimedException} when the
     * cluster, its kubeconfig or the API server it reaches is another organization's: before the organization's
     * name is claimed or its CA made.
     */
    void claim(ClusterRef cluster) {
        clusters.connect(cluster);
    }

    /**
     * Whether the organization owns the cluster or nobody does; a {@link ClusterClaimedException} when another
     * organization does. Writes nothing.
     */
    ClusterClaims.Ownership ownership(ClusterRef cluster) {
        return clusters.ownership(cluster);
    }

    /** The cert service is done with the deleted cluster: its part of the cluster's claim is released. */
    void release(ClusterRef cluster) {
        clusters.release(cluster);
    }

    /**
     * Makes the certificate in Vault and in the cluster what it should be under {@code authority}: the stored one
     * is kept while it has the wanted names, was signed by the current CA and is not due for renewal; only its
     * trust bundle is refreshed when the CAs to trust changed. Otherwise a new one is issued.
     */
    Outcome ensure(Target target, OrgAuthority authority, AuditTrail trail) {
        String path = naming.certificatePath(target.orgId(), target.clusterId(), target.certificateName());
        Optional<Stored<TlsMaterial>> stored = vault.read(path);
        String bundle = Pem.certificates(authority.trustBundle());
        Instant now = clock.instant();
        TlsMaterial material;
        X509Certificate leaf;
        boolean changed = false;
        // Parsed once: the stored certificate decides reuse and, if not, the audit's reason.
        X509Certificate storedLeaf = stored.map(s -> s.value().leaf()).orElse(null);
        Optional<String> reissueBecause = storedLeaf == null ? Optional.of("none stored")
                : reissueBecause(storedLeaf, target, authority, now);
        if (reissueBecause.isEmpty()) {
            material = stored.get().value();
            leaf = storedLeaf;
            if (!material.caBundle().equals(bundle)) {
                material = material.withCaBundle(bundle);
                vault.write(path, material, stored.get().version());
                changed = true;
                trail.record(AuditAction.UPDATED, ResourceType.CERTIFICATE, Certificates.serialHex(leaf),
                        "trust bundle changed", details(leaf, authority, Map.of("path", path)));
            }
        } else {
            Timer.Sample issuing = Timer.start(metrics);
            IssuedCertificate issued = issuer.server(authority.current(), target.dnsNames(),
                    issuance.certificateAlgorithm(), now, issuance.certificateValidity());
            issuing.stop(Timer.builder("zonekeeper.certificates.issue")
                    .description("Key generation and signing of one certificate")
                    .tag("algorithm", issuance.certificateAlgorithm().configName())
                    .tag("kind", stored.isPresent() ? "renewal" : "first")
                    .register(metrics));
            material = TlsMaterial.of(issued, authority);
            leaf = issued.certificate();
            vault.write(path, material, stored.map(Stored::version).orElse(0));
            changed = true;
            trail.record(stored.isPresent() ? AuditAction.RENEWED : AuditAction.ISSUED, ResourceType.CERTIFICATE,
                    issued.serialHex(), stored.isPresent() ? reissueBecause.get() : null,
                    details(leaf, authority, Map.of("path", path)));
        }
        String secretName = naming.secretName(target.certificateName());
        if (target.inject()) {
            KubernetesClient client = clusters.connect(new ClusterRef(target.orgId(), target.clusterId(),
                    target.kubeconfigPath()));
            String serial = Certificates.serialHex(leaf);
            ResourceChange change = secrets.ensure(client, secretName, material, serial);
            changed |= change.changed();
            trail.record(change, ResourceType.TLS_SECRET, secrets.namespace() + "/" + secretName,
                    change.name().toLowerCase(Locale.ROOT), Map.of("serial", serial));
        }
        return new Outcome(leaf, path, secrets.namespace() + "/" + secretName, changed);
    }

    /**
     * Removes one certificate from Vault and, where the cluster can still be reached through them, from the cluster
     * through each of {@code kubeconfigPaths} (none: Vault only). A cluster that cannot be reached counts as gone: its
     * Secret went with it.
     */
    void remove(String orgId, String clusterId, String certificateName, Collection<String> kubeconfigPaths,
                AuditTrail trail) {
        String path = naming.certificatePath(orgId, clusterId, certificateName);
        if (vault.read(path).isPresent()) {
            vault.destroy(path);
            trail.record(AuditAction.DELETED, ResourceType.CERTIFICATE, path, "cluster deleted", Map.of());
        }
        String secretName = naming.secretName(certificateName);
        for (String kubeconfigPath : kubeconfigPaths) {
            try {
                trail.record(secrets.delete(clusters.connect(new ClusterRef(orgId, clusterId, kubeconfigPath)),
                        secretName), ResourceType.TLS_SECRET, secrets.namespace() + "/" + secretName,
                        "cluster deleted", Map.of());
            } catch (KubeconfigUnusableException | TransientFailureException gone) {
                trail.record(AuditAction.DELETED, ResourceType.TLS_SECRET, secrets.namespace() + "/" + secretName,
                        "cluster unreachable, counted as gone: " + gone.getMessage(), Map.of());
            }
        }
    }

    /**
     * Why the stored certificate cannot stay: other names, a CA that no longer signs, or its renewal point
     * reached. Empty when it is kept.
     */
    private Optional<String> reissueBecause(X509Certificate leaf, Target target, OrgAuthority authority, Instant now) {
        if (!new HashSet<>(Certificates.dnsNames(leaf)).equals(new HashSet<>(target.dnsNames()))) {
            return Optional.of("names changed");
        }
        if (!signedBy(leaf, authority.current().certificate())) {
            return Optional.of("signed by a CA that no longer signs (rotation)");
        }
        Instant renewAt = issuance.renewal().renewAt(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
        return now.isBefore(renewAt) ? Optional.empty()
                : Optional.of("due: renewal point " + renewAt + " reached at " + now);
    }

    private static boolean signedBy(X509Certificate leaf, X509Certificate ca) {
        try {
            leaf.verify(ca.getPublicKey());
            return leaf.getIssuerX500Principal().equals(ca.getSubjectX500Principal());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static Map<String, String> details(X509Certificate leaf, OrgAuthority authority, Map<String, String> more) {
        Map<String, String> details = new TreeMap<>(more);
        details.put("dnsNames", String.join(",", Certificates.dnsNames(leaf)));
        details.put("notAfter", leaf.getNotAfter().toInstant().toString());
        details.put("caSerial", authority.current().serialHex());
        return details;
    }
}
