package io.zonekeeper.cert.model;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An organization's certificate authorities at one moment of their rotation cycle.
 *
 * <ul>
 *   <li>{@code current} signs every server certificate.</li>
 *   <li>{@code next} is staged: clients already receive it in {@code ca.crt}, but it signs nothing yet, so a
 *       client that picks up the new bundle before the servers switch keeps working.</li>
 *   <li>{@code previous} is retired: it signs nothing, but stays in {@code ca.crt} while servers and clients move
 *       to certificates of the new CA.</li>
 * </ul>
 *
 * @param generation counts the organization's CAs; it is in each CA's subject, so rotated CAs never share a name
 */
public record OrgAuthority(int generation, IssuedCertificate current, IssuedCertificate next, Instant nextStagedAt,
                           X509Certificate previous, Instant previousRetiredAt) {

    public static OrgAuthority first(IssuedCertificate ca) {
        return new OrgAuthority(1, ca, null, null, null, null);
    }

    /** Every CA a client must trust right now: the signing one, a staged successor and a retired predecessor. */
    public List<X509Certificate> trustBundle() {
        List<X509Certificate> bundle = new ArrayList<>();
        bundle.add(current.certificate());
        if (next != null) {
            bundle.add(next.certificate());
        }
        if (previous != null) {
            bundle.add(previous);
        }
        return bundle;
    }

    public boolean rotating() {
        return next != null || previous != null;
    }

    public OrgAuthority staged(IssuedCertificate successor, Instant now) {
        if (next != null) {
            throw new IllegalStateException("a successor CA is already staged");
        }
        return new OrgAuthority(generation, current, successor, now, previous, previousRetiredAt);
    }

    /** The staged CA starts signing; the old one is retired but still trusted. */
    public OrgAuthority promoted(Instant now) {
        if (next == null) {
            throw new IllegalStateException("no successor CA is staged");
        }
        return new OrgAuthority(generation + 1, next, null, null, current.certificate(), now);
    }

    public OrgAuthority withoutPrevious() {
        return new OrgAuthority(generation, current, next, nextStagedAt, null, null);
    }

    @Override
    public String toString() {
        return "OrgAuthority[generation=" + generation + ", current=" + current.serialHex()
                + (next == null ? "" : ", next=" + next.serialHex())
                + (previous == null ? "" : ", previous=" + Certificates.serialHex(previous)) + "]";
    }
}
