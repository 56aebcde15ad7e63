package io.zonekeeper.cert;

import io.zonekeeper.cert.model.AuthorityRotation;
import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.cert.model.CertificateIssuer;
import io.zonekeeper.cert.model.IssuedCertificate;
import io.zonekeeper.cert.model.OrgAuthority;
import io.zonekeeper.cert.vault.AuthorityVault;
import io.zonekeeper.cert.vault.NameClaims;
import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.events.InvalidEventException;
import io.zonekeeper.common.events.Org;
import io.zonekeeper.common.retry.TransientFailureException;
import io.zonekeeper.common.vault.Stored;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.ResourceType;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each organization's certificate authority: created once, however many instances race for it, and moved
 * through its rotation cycle one check-and-set write at a time.
 */
final class OrgAuthorities {

    private static final Logger LOG = LoggerFactory.getLogger(OrgAuthorities.class);

    private final CertNaming naming;
    private final AuthorityVault vault;
    private final NameClaims names;
    private final CertificateIssuer issuer;
    private final CertConfig.Issuance issuance;
    private final Clock clock;

    OrgAuthorities(CertNaming naming, AuthorityVault vault, NameClaims names, CertificateIssuer issuer,
                   CertConfig.Issuance issuance, Clock clock) {
        this.naming = naming;
        this.vault = vault;
        this.names = names;
        this.issuer = issuer;
        this.issuance = issuance;
        this.clock = clock;
    }

    AuthorityRotation rotation() {
        return issuance.rotation();
    }

    Optional<Stored<OrgAuthority>> read(String orgId) {
        return vault.read(naming.authorityPath(orgId));
    }

    /**
     * Refuses an organization whose name another organization holds: two organizations with one name would get
     * two CAs for one zone, and certificates for each other's names. The first to run a cluster holds the name.
     */
    void claimName(Org org) {
        String holder = names.claim(naming.nameClaimPath(org.orgName()), org.orgId());
        if (!holder.equals(org.orgId())) {
            throw new InvalidEventException("the name '" + org.orgName() + "' belongs to organization " + holder
                    + ": organization names must be unique within " + naming.baseDomain()
                    + "; no CA and no certificate for " + org.orgId());
        }
    }

    /**
     * The organization's CA, created if it has none. Creation writes with check-and-set on "does not exist", so of
     * two instances racing (a rebalance, a zombie), one writes and the other reads the winner's CA.
     */
    Stored<OrgAuthority> ensure(Org org, AuditTrail trail) {
        Optional<Stored<OrgAuthority>> existing = read(org.orgId());
        if (existing.isPresent()) {
            return existing.get();
        }
        Instant now = clock.instant();
        IssuedCertificate ca = issuer.authority(CertificateIssuer.authoritySubject(org.orgName(), org.orgId(), 1),
                naming.zone(org.orgName()), issuance.caAlgorithm(), now, issuance.caValidity());
        OrgAuthority authority = OrgAuthority.first(ca);
        OptionalInt version = vault.create(naming.authorityPath(org.orgId()), authority);
        if (version.isEmpty()) {
            LOG.info("another instance created the CA of {} first; using it", org.orgId());
            return read(org.orgId()).orElseThrow(() -> new TransientFailureException("CA of " + org.orgId(), 1,
                    new IllegalStateException("created by another and gone again")));
        }
        LOG.info("created the CA of {} (serial {})", org.orgId(), ca.serialHex());
        trail.record(AuditAction.CREATED, ResourceType.CERTIFICATE_AUTHORITY, ca.serialHex(), null,
                details(authority, "generation 1"));
        return new Stored<>(authority, version.getAsInt());
    }

    /**
     * Takes one step of the rotation cycle. A lost check-and-set race is transient: the record is retried and
     * finds the step already taken.
     */
    Stored<OrgAuthority> advance(Org org, Stored<OrgAuthority> stored, AuthorityRotation.Step step, AuditTrail trail) {
        Instant now = clock.instant();
        OrgAuthority before = stored.value();
        OrgAuthority after = switch (step) {
            case STAGE -> {
                IssuedCertificate successor = issuer.authority(CertificateIssuer.authoritySubject(org.orgName(),
                        org.orgId(), before.generation() + 1), naming.zone(org.orgName()), issuance.caAlgorithm(), now,
                        issuance.caValidity());
                OrgAuthority staged = before.staged(successor, now);
                // An expired CA protects no one during an overlap: every certificate it signed is already
                // rejected, so the successor signs at once.
                yield before.current().notAfter().isAfter(now) ? staged : staged.promoted(now);
            }
            case PROMOTE -> before.promoted(now);
            case RETIRE -> before.withoutPrevious();
            case NONE -> before;
        };
        if (after == before) {
            return stored;
        }
        String path = naming.authorityPath(org.orgId());
        int version = vault.write(path, after, stored.version());
        LOG.info("CA rotation of {}: {} -> {}", org.orgId(), before, after);
        trail.record(AuditAction.ROTATED, ResourceType.CERTIFICATE_AUTHORITY, after.current().serialHex(),
                describe(step), details(after, "step " + step.name().toLowerCase(Locale.ROOT)));
        return new Stored<>(after, version);
    }

    private static String describe(AuthorityRotation.Step step) {
        return switch (step) {
            case STAGE -> "successor CA staged: clients receive it in ca.crt before it signs anything";
            case PROMOTE -> "successor CA signs from now on; the old one stays trusted during the overlap";
            case RETIRE -> "overlap over: the old CA left ca.crt";
            case NONE -> "nothing due";
        };
    }

    private static Map<String, String> details(OrgAuthority authority, String what) {
        var details = new TreeMap<String, String>();
        details.put("change", what);
        details.put("generation", Integer.toString(authority.generation()));
        details.put("serial", authority.current().serialHex());
        details.put("notAfter", authority.current().notAfter().toString());
        details.put("subject", authority.current().certificate().getSubjectX500Principal().getName());
        if (authority.next() != null) {
            details.put("nextSerial", authority.next().serialHex());
        }
        if (authority.previous() != null) {
            details.put("previousSerial", authority.previous().getSerialNumber().toString(16));
        }
        return details;
    }
}
