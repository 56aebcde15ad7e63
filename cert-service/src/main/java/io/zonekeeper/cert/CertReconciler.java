package io.zonekeeper.cert;

import io.zonekeeper.cert.model.AuthorityRotation;
import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.cert.model.CertificateIssuer;
import io.zonekeeper.cert.model.Certificates;
import io.zonekeeper.cert.model.OrgAuthority;
import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.events.Org;
import io.zonekeeper.common.kubernetes.ClusterRef;
import io.zonekeeper.common.runtime.Reconciled;
import io.zonekeeper.common.vault.Stored;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.ResourceType;
import io.zonekeeper.schemas.TlsStatus;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the cert service does for validated input: each method reads Vault and the cluster, changes only the
 * difference and returns the certificate states that result ({@link Reconciled}); the handler publishes them.
 * Idempotent: any of them may run again for the same input.
 */
final class CertReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(CertReconciler.class);

    /** A cluster as a validated lifecycle event names it. */
    record Cluster(Org org, String clusterId, String clusterName, String kubeconfigPath) {

        ClusterRef ref() {
            return new ClusterRef(org.orgId(), clusterId, kubeconfigPath);
        }
    }

    private final CertNaming naming;
    private final OrgAuthorities authorities;
    private final ClusterCertificates certificates;
    private final CertificateStates states;
    private final CertConfig.Issuance issuance;
    private final Clock clock;

    CertReconciler(CertNaming naming, OrgAuthorities authorities, ClusterCertificates certificates,
                   CertificateStates states, CertConfig.Issuance issuance, Clock clock) {
        this.naming = naming;
        this.authorities = authorities;
        this.certificates = certificates;
        this.states = states;
        this.issuance = issuance;
        this.clock = clock;
    }

    /**
     * A cluster uses its zone: the organization's CA exists (and takes a rotation step if one is due), the
     * cluster's own certificate and any it requested are valid, in Vault and in the cluster.
     */
    Reconciled<ClusterTlsState> clusterRunning(Cluster cluster, UUID cause, AuditTrail trail) {
        Map<String, ClusterTlsState> next = new LinkedHashMap<>();
        // The CA's name constraints permit only <name>.<domain>: certificates under a new name would fail every
        // validating client. Moving an organization to a new name is not built yet.
        authorities.read(cluster.org().orgId()).map(stored -> orgNameOf(stored.value(), cluster.org().orgId()))
                .ifPresent(name -> cluster.org().refuseRenameFrom(name, "its CA may only sign names in "
                        + naming.zone(name), "", ""));
        // The cluster is the organization's, or the event is refused before its name is claimed or a CA made.
        certificates.claim(cluster.ref());
        authorities.claimName(cluster.org());
        Stored<OrgAuthority> authority = authorities.ensure(cluster.org(), trail);
        authority = rotateIfDue(cluster.org(), authority, null, cause, trail, next);
        var own = new ClusterCertificates.Target(cluster.org().orgId(), cluster.org().orgName(), cluster.clusterId(),
                cluster.clusterName(), CertNaming.SERVER, naming.serverNames(cluster.org().orgName(), cluster.clusterName()),
                cluster.kubeconfigPath(), true);
        List<ClusterCertificates.Target> targets = new ArrayList<>();
        targets.add(own);
        for (ClusterTlsState requested : states.ofCluster(cluster.org().orgId(), cluster.clusterId())) {
            if (!requested.getCertificateName().equals(CertNaming.SERVER) && requested.getStatus() == TlsStatus.ISSUED) {
                targets.add(targetOf(requested, cluster.kubeconfigPath(), true));
            }
        }
        for (ClusterCertificates.Target target : targets) {
            ensure(target, authority.value(), true, cause, trail, next);
        }
        return Reconciled.toAll(List.copyOf(next.values()));
    }

    /**
     * A cluster stopped or failed: its certificates stay, but are not renewed until it runs again. Nothing in the
     * cluster changes, but another organization's cluster is refused all the same.
     */
    Reconciled<ClusterTlsState> clusterIdle(ClusterRef cluster, UUID cause) {
        certificates.ownership(cluster);
        return Reconciled.toAll(states.ofCluster(cluster.orgId(), cluster.clusterId()).stream()
                .filter(ClusterTlsState::getClusterRunning)
                .map(state -> ClusterTlsState.newBuilder(state).setClusterRunning(false).setLastEventId(cause)
                        .setUpdatedAt(clock.instant()).build())
                .toList());
    }

    /**
     * A cluster was deleted: the organization's certificates of it leave Vault and the cluster, their states are
     * tombstoned, and the cert service lets go of the cluster's claim. The cluster itself is touched only when the
     * organization owns it: through every kubeconfig its claim lists and (from before claims) every one its states
     * know; another organization's cluster is refused before anything is done. Each state is tombstoned as its
     * certificate goes, before the claim is released, so nothing is left to publish.
     */
    Reconciled<ClusterTlsState> clusterDeleted(Cluster cluster, AuditTrail trail) {
        List<ClusterTlsState> held = states.ofCluster(cluster.org().orgId(), cluster.clusterId());
        Set<String> reachedThrough = new LinkedHashSet<>();
        held.stream().map(ClusterTlsState::getKubeconfigVaultPath).filter(Objects::nonNull).forEach(reachedThrough::add);
        reachedThrough.addAll(certificates.ownership(cluster.ref()).kubeconfigs());
        List<String> names = new ArrayList<>(List.of(CertNaming.SERVER));
        held.stream().map(ClusterTlsState::getCertificateName).filter(n -> !names.contains(n)).forEach(names::add);
        for (String name : names) {
            certificates.remove(cluster.org().orgId(), cluster.clusterId(), name, reachedThrough, trail);
            states.forget(cluster.org().orgId(), cluster.clusterId(), name);
        }
        certificates.release(cluster.ref());
        return Reconciled.nothing();
    }

    /** Refuses with {@link io.zonekeeper.common.kubernetes.ClusterClaimedException} when the cluster is another's. */
    void refuseIfAnothers(ClusterRef cluster) {
        certificates.ownership(cluster);
    }

    /** A validated certificate request for names of a cluster the service knows. */
    Reconciled<ClusterTlsState> requested(ClusterTlsState clusterState, String certificateName,
                                          List<String> dnsNames, UUID cause, AuditTrail trail) {
        var org = new Org(clusterState.getOrgId(), clusterState.getOrgName());
        Stored<OrgAuthority> authority = authorities.ensure(org, trail);
        var target = new ClusterCertificates.Target(org.orgId(), org.orgName(), clusterState.getClusterId(),
                clusterState.getClusterName(), certificateName, dnsNames, clusterState.getKubeconfigVaultPath(),
                clusterState.getClusterRunning() && clusterState.getKubeconfigVaultPath() != null);
        Map<String, ClusterTlsState> next = new LinkedHashMap<>();
        ensure(target, authority.value(), clusterState.getClusterRunning(), cause, trail, next);
        return Reconciled.toAll(List.copyOf(next.values()));
    }

    /** A scheduled renewal: reissues the certificate if it is (still) due; a stale command changes nothing. */
    Reconciled<ClusterTlsState> renew(String orgId, String clusterId, String certificateName, UUID cause,
                                      AuditTrail trail) {
        Optional<ClusterTlsState> state = states.get(orgId, clusterId, certificateName)
                .filter(s -> s.getStatus() == TlsStatus.ISSUED);
        if (state.isEmpty()) {
            LOG.info("renewal of {}/{} skipped: no issued certificate of organization {}", clusterId, certificateName,
                    orgId);
            return Reconciled.nothing();
        }
        var org = new Org(orgId, state.get().getOrgName());
        Stored<OrgAuthority> authority = authorities.ensure(org, trail);
        Map<String, ClusterTlsState> next = new LinkedHashMap<>();
        ensure(state.get(), authority.value(), cause, trail, next);
        return Reconciled.toAll(List.copyOf(next.values()));
    }

    /**
     * An operator's rotation: stages a successor CA now, unless a rotation is already under way (its steps are
     * timed for clients to follow; skipping one would break them).
     */
    Reconciled<ClusterTlsState> rotateNow(String orgId, UUID cause, AuditTrail trail) {
        Optional<Stored<OrgAuthority>> stored = authorities.read(orgId);
        if (stored.isEmpty()) {
            trail.refused(AuditAction.ROTATED, ResourceType.CERTIFICATE_AUTHORITY, orgId,
                    "the organization has no CA yet: nothing to rotate");
            return Reconciled.nothing();
        }
        if (stored.get().value().rotating()) {
            AuthorityRotation rotation = authorities.rotation();
            trail.refused(AuditAction.ROTATED, ResourceType.CERTIFICATE_AUTHORITY, stored.get().value().current()
                    .serialHex(), "a rotation is under way; its next step (" + rotation.nextStep(stored.get().value())
                    + ") is due at " + rotation.nextStepAt(stored.get().value()));
            return Reconciled.nothing();
        }
        var org = new Org(orgId, orgNameOf(stored.get().value(), orgId));
        Map<String, ClusterTlsState> next = new LinkedHashMap<>();
        rotateIfDue(org, stored.get(), AuthorityRotation.Step.STAGE, cause, trail, next);
        return Reconciled.toAll(List.copyOf(next.values()));
    }

    /**
     * An operator's reconcile: the organization's CA and every certificate checked against Vault and the clusters
     * that run; anything missing or different (a deleted Secret, a Vault secret edited by hand) is restored.
     */
    Reconciled<ClusterTlsState> reconcile(String orgId, UUID cause, AuditTrail trail) {
        List<ClusterTlsState> issued = states.ofOrg(orgId);
        if (issued.isEmpty()) {
            trail.refused(AuditAction.UPDATED, ResourceType.CERTIFICATE_AUTHORITY, orgId,
                    "reconcile: the organization has no certificates");
            return Reconciled.nothing();
        }
        var org = new Org(orgId, issued.get(0).getOrgName());
        Map<String, ClusterTlsState> next = new LinkedHashMap<>();
        Stored<OrgAuthority> authority = rotateIfDue(org, authorities.ensure(org, trail), null, cause, trail, next);
        for (ClusterTlsState state : issued) {
            ensure(state, authority.value(), cause, trail, next);
        }
        return Reconciled.toAll(List.copyOf(next.values()));
    }

    /** A scheduled rotation step: taken if due, otherwise nothing. */
    Reconciled<ClusterTlsState> advanceRotation(String orgId, UUID cause, AuditTrail trail) {
        Map<String, ClusterTlsState> next = new LinkedHashMap<>();
        authorities.read(orgId).ifPresent(stored ->
                rotateIfDue(new Org(orgId, orgNameOf(stored.value(), orgId)), stored, null, cause, trail, next));
        return Reconciled.toAll(List.copyOf(next.values()));
    }

    /**
     * Takes the due rotation step (or {@code forced}) and brings every certificate of the organization in line:
     * new trust bundles after staging or retiring, new certificates after promotion.
     */
    private Stored<OrgAuthority> rotateIfDue(Org org, Stored<OrgAuthority> stored, AuthorityRotation.Step forced,
                                             UUID cause, AuditTrail trail, Map<String, ClusterTlsState> next) {
        AuthorityRotation.Step step = forced != null ? forced
                : authorities.rotation().dueStep(stored.value(), clock.instant());
        if (step == AuthorityRotation.Step.NONE) {
            return stored;
        }
        Stored<OrgAuthority> after = authorities.advance(org, stored, step, trail);
        for (ClusterTlsState state : states.ofOrg(org.orgId())) {
            ensure(state, after.value(), cause, trail, next);
        }
        return after;
    }

    /**
     * A certificate the service already manages, brought in line with {@code authority}: injected when its cluster
     * runs and can be reached, kept in Vault otherwise.
     */
    private void ensure(ClusterTlsState state, OrgAuthority authority, UUID cause, AuditTrail trail,
                        Map<String, ClusterTlsState> next) {
        boolean inject = state.getClusterRunning() && state.getKubeconfigVaultPath() != null;
        ensure(targetOf(state, state.getKubeconfigVaultPath(), inject), authority, state.getClusterRunning(), cause,
                trail, next);
    }

    /**
     * The certificate valid for {@code target} under {@code authority}, its state put in {@code next} (by key: a
     * certificate brought in line twice in one record, by a rotation and then as the cluster's own, is published
     * once, as it ended).
     */
    private void ensure(ClusterCertificates.Target target, OrgAuthority authority, boolean running, UUID cause,
                        AuditTrail trail, Map<String, ClusterTlsState> next) {
        var outcome = certificates.ensure(target, authority, trail);
        ClusterTlsState state = state(target, outcome, authority, running, cause);
        next.put(CertificateStates.keyOf(state), state);
    }

    private static ClusterCertificates.Target targetOf(ClusterTlsState state, String kubeconfigPath, boolean inject) {
        return new ClusterCertificates.Target(state.getOrgId(), state.getOrgName(), state.getClusterId(),
                state.getClusterName(), state.getCertificateName(), List.copyOf(state.getDnsNames()), kubeconfigPath,
                inject);
    }

    private ClusterTlsState state(ClusterCertificates.Target target, ClusterCertificates.Outcome outcome,
                                  OrgAuthority authority, boolean running, UUID cause) {
        X509Certificate leaf = outcome.certificate();
        var notBefore = leaf.getNotBefore().toInstant();
        var notAfter = leaf.getNotAfter().toInstant();
        return ClusterTlsState.newBuilder()
                .setOrgId(target.orgId())
                .setOrgName(target.orgName())
                .setClusterId(target.clusterId())
                .setClusterName(target.clusterName())
                .setCertificateName(target.certificateName())
                .setStatus(TlsStatus.ISSUED)
                .setCertificateSerial(Certificates.serialHex(leaf))
                .setDnsNames(Certificates.dnsNames(leaf))
                .setNotBefore(notBefore)
                .setNotAfter(notAfter)
                .setRenewAt(issuance.renewal().renewAt(notBefore, notAfter))
                .setCaSerial(authority.current().serialHex())
                .setCaNotAfter(authority.current().notAfter())
                .setCaNextStepAt(authorities.rotation().nextStepAt(authority))
                .setVaultPath(outcome.vaultPath())
                .setSecretRef(outcome.secretRef())
                .setClusterRunning(running)
                .setKubeconfigVaultPath(target.kubeconfigPath())
                .setLastEventId(cause)
                .setUpdatedAt(clock.instant())
                .build();
    }

    /** The organization's name as its CA's subject carries it, for commands that name only the id. */
    private static String orgNameOf(OrgAuthority authority, String orgId) {
        return CertificateIssuer.organizationOf(authority.current().certificate()).orElse(orgId);
    }
}
