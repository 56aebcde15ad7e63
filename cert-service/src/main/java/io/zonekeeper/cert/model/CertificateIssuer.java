package io.zonekeeper.cert.model;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds organization CAs and server certificates with Bouncy Castle's certificate builder (the JDK has no public
 * API for issuing certificates). No I/O: keys and certificates come back to the caller, who decides where they go.
 */
public final class CertificateIssuer {

    /** 16 random bytes: well above the 64 bits of serial entropy the CA/Browser Forum asks for. */
    private static final int SERIAL_BYTES = 16;
    /** Common names are limited to 64 characters (RFC 5280 ub-common-name). */
    private static final int MAX_COMMON_NAME = 64;

    private final SecureRandom random;
    private final Duration backdate;

    /**
     * @param backdate how far notBefore is set back from now, so clients with a slow clock accept a certificate
     *                 the moment it is issued
     */
    public CertificateIssuer(SecureRandom random, Duration backdate) {
        this.random = random;
        this.backdate = backdate;
    }

    /** The subject of an organization's CA: names the organization, and the generation so rotated CAs differ. */
    public static X500Name authoritySubject(String orgName, String orgId, int generation) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, orgName)
                .addRDN(BCStyle.OU, "Zonekeeper organization " + orgId)
                .addRDN(BCStyle.CN, truncate(orgName + " CA " + generation))
                .build();
    }

    /** The organization name an {@link #authoritySubject} carries (O=...), if {@code ca}'s subject has one. */
    public static Optional<String> organizationOf(X509Certificate ca) {
        RDN[] organizations = new X500Name(ca.getSubjectX500Principal().getName()).getRDNs(BCStyle.O);
        return organizations.length == 0 ? Optional.empty()
                : Optional.of(organizations[0].getFirst().getValue().toString());
    }

    /**
     * A self-signed CA: path length 0 (it signs server certificates only), keyCertSign and cRLSign, and a critical
     * nameConstraints extension that permits DNS names in {@code permittedDomain} (the organization's zone and
     * every name below it) and excludes every IP address. Even a leaked CA key then yields no certificate that a
     * validating client accepts for another tenant's names, or for an address.
     */
    public IssuedCertificate authority(X500Name subject, String permittedDomain, KeyAlgorithm algorithm, Instant now,
                                       Duration validity) {
        KeyPair keys = algorithm.generate(random);
        Instant notBefore = now.minus(backdate);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(notBefore), Date.from(now.plus(validity)), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.nameConstraints, true, confinedTo(permittedDomain))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(keys.getPublic()));
            return new IssuedCertificate(sign(builder, keys.getPrivate()), keys.getPrivate());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("could not build a CA certificate for " + subject, e);
        }
    }

    /**
     * A server certificate for {@code dnsNames}, signed by {@code ca}. It never outlives its CA: a chain with an
     * expired CA fails however long the leaf says it is valid.
     */
    public IssuedCertificate server(IssuedCertificate ca, List<String> dnsNames, KeyAlgorithm algorithm, Instant now,
                                    Duration validity) {
        if (dnsNames.isEmpty()) {
            throw new IllegalArgumentException("a server certificate needs at least one DNS name");
        }
        KeyPair keys = algorithm.generate(random);
        Instant notAfter = now.plus(validity).isAfter(ca.notAfter()) ? ca.notAfter() : now.plus(validity);
        // RFC 5280 4.2.1.6: with an empty subject the SAN extension must be critical.
        String first = dnsNames.get(0);
        boolean fitsCommonName = first.length() <= MAX_COMMON_NAME;
        X500Name subject = fitsCommonName ? new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, first).build()
                : new X500Name(new RDN[0]);
        int usage = KeyUsage.digitalSignature | (algorithm.isRsa() ? KeyUsage.keyEncipherment : 0);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X500Name issuer = X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded());
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial(),
                    Date.from(now.minus(backdate)), Date.from(notAfter), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(ca.certificate()))
                    .addExtension(Extension.subjectAlternativeName, !fitsCommonName, new GeneralNames(dnsNames.stream()
                            .map(name -> new GeneralName(GeneralName.dNSName, name)).toArray(GeneralName[]::new)));
            return new IssuedCertificate(sign(builder, ca.privateKey()), keys.getPrivate());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("could not build a server certificate for " + dnsNames, e);
        }
    }

    /**
     * RFC 5280 4.2.1.10: a dNSName subtree {@code acme.example.com} permits that name and every name below it; an
     * all-zero address and mask excludes every IPv4 (resp. IPv6) address, which a DNS subtree alone leaves open.
     */
    private static NameConstraints confinedTo(String domain) {
        GeneralSubtree[] permitted = {new GeneralSubtree(new GeneralName(GeneralName.dNSName, domain))};
        GeneralSubtree[] excluded = {
                new GeneralSubtree(new GeneralName(GeneralName.iPAddress, new DEROctetString(new byte[8]))),
                new GeneralSubtree(new GeneralName(GeneralName.iPAddress, new DEROctetString(new byte[32])))};
        return new NameConstraints(permitted, excluded);
    }

    private X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws GeneralSecurityException {
        try {
            var contentSigner = new JcaContentSignerBuilder(KeyAlgorithm.signatureAlgorithmFor(signer)).build(signer);
            return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("no signer for " + signer.getAlgorithm(), e);
        }
    }

    private BigInteger serial() {
        byte[] bytes = new byte[SERIAL_BYTES];
        random.nextBytes(bytes);
        bytes[0] &= 0x7f; // positive, as RFC 5280 requires
        bytes[0] |= 0x40; // and a full-length serial, never one that happens to start with zero bytes
        return new BigInteger(bytes);
    }

    private static String truncate(String commonName) {
        return commonName.length() <= MAX_COMMON_NAME ? commonName : commonName.substring(0, MAX_COMMON_NAME);
    }
}
