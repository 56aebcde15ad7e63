package io.zonekeeper.cert.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.Extension;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The material as clients use it: real handshakes over loopback. */
class TlsHandshakeTest {

    private final CertificateIssuer issuer = new CertificateIssuer(new SecureRandom(), Duration.ofMinutes(5));
    private final CertNaming naming = new CertNaming("zk.example", "zonekeeper/tls", "zonekeeper-tls");
    /** Any fixed instant: the certificates are issued and checked at it, whatever the date. */
    private final Instant now = Instant.parse("2027-02-28T23:59:00Z");

    @ParameterizedTest
    @EnumSource(value = KeyAlgorithm.class, names = {"EC_P256", "RSA_2048"})
    void clientTrustingOnlyTheBundleAcceptsNamesUnderTheWildcardAndNothingElse(KeyAlgorithm algorithm) throws Exception {
        OrgAuthority acme = authority("acme", algorithm);
        TlsMaterial material = TlsMaterial.of(issuer.server(acme.current(), naming.serverNames("acme", "prod"),
                algorithm, now, Duration.ofDays(90)), acme);

        try (TlsProbe.Server server = TlsProbe.serve(material)) {
            TlsProbe.connect(server.port(), "grafana.prod.acme.zk.example", material.caBundle(), now);
            TlsProbe.connect(server.port(), "prod.acme.zk.example", material.caBundle(), now);
            assertThatThrownBy(() -> TlsProbe.connect(server.port(), "prod.bank.zk.example", material.caBundle(), now))
                    .as("a name outside the SANs").isInstanceOf(SSLHandshakeException.class);
            assertThatThrownBy(() -> TlsProbe.connect(server.port(), "a.b.prod.acme.zk.example", material.caBundle(), now))
                    .as("the wildcard covers one level").isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void anotherOrganizationsAuthorityDoesNotVouchForTheServer() throws Exception {
        OrgAuthority acme = authority("acme", KeyAlgorithm.EC_P256);
        OrgAuthority bank = authority("bank", KeyAlgorithm.EC_P256);
        TlsMaterial material = TlsMaterial.of(issuer.server(acme.current(), naming.serverNames("acme", "prod"),
                KeyAlgorithm.EC_P256, now, Duration.ofDays(90)), acme);
        String bankBundle = Pem.certificates(bank.trustBundle());

        try (TlsProbe.Server server = TlsProbe.serve(material)) {
            assertThat(TlsProbe.handshakes(server.port(), "x.prod.acme.zk.example", bankBundle, now)).isFalse();
            assertThat(TlsProbe.handshakes(server.port(), "x.prod.acme.zk.example", material.caBundle(), now)).isTrue();
        }
    }

    /**
     * The CA's nameConstraints at work: whoever holds acme's CA key (a leak, a bug) signs certificates for other
     * tenants' names, above the zone, or under a look-alike label; a client trusting acme's bundle refuses every
     * one, while acme's own names still pass. The client is OpenSSL's; a PKIX validator that takes a trust anchor's
     * constraints (Bouncy Castle's) refuses them too. The JDK's own validator does not support constraints on an
     * anchor at all (see the cert-service DESIGN.md).
     */
    @ParameterizedTest
    @EnumSource(value = KeyAlgorithm.class, names = {"EC_P256", "RSA_2048"})
    void aLeakedCaKeySignsNothingAClientAcceptsOutsideItsOrganizationsZone(KeyAlgorithm algorithm) throws Exception {
        OrgAuthority acme = authority("acme", algorithm);
        for (String forged : List.of("prod.bank.zk.example", "bank.zk.example", "zk.example", "x.notacme.zk.example",
                "www.example.org")) {
            TlsMaterial material = TlsMaterial.of(issuer.server(acme.current(), List.of(forged), algorithm, now,
                    Duration.ofDays(90)), acme);
            try (TlsProbe.Server server = TlsProbe.serve(material)) {
                assertThat(TlsProbe.opensslHandshakes(server.port(), forged, material.caBundle(), now)).as(forged)
                        .isFalse();
            }
            assertThatThrownBy(() -> validateWithAnchorConstraints(material.leaf(), acme.current().certificate()))
                    .as(forged).isInstanceOf(CertPathValidatorException.class).hasMessageContaining("name");
        }
        TlsMaterial own = TlsMaterial.of(issuer.server(acme.current(),
                List.of("acme.zk.example", "a.b.acme.zk.example"), algorithm, now, Duration.ofDays(90)), acme);
        try (TlsProbe.Server server = TlsProbe.serve(own)) {
            assertThat(TlsProbe.opensslHandshakes(server.port(), "a.b.acme.zk.example", own.caBundle(), now)).isTrue();
            assertThat(TlsProbe.handshakes(server.port(), "a.b.acme.zk.example", own.caBundle(), now)).isTrue();
        }
        validateWithAnchorConstraints(own.leaf(), acme.current().certificate());
    }

    /** PKIX validation at the test's instant with the anchor's own nameConstraints, as RFC 5280 6.1.1 allows. */
    private void validateWithAnchorConstraints(X509Certificate leaf, X509Certificate anchor) throws Exception {
        byte[] constraints = ASN1OctetString.getInstance(anchor.getExtensionValue(Extension.nameConstraints.getId()))
                .getOctets();
        var path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf));
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, constraints)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(now));
        CertPathValidator.getInstance("PKIX", new org.bouncycastle.jce.provider.BouncyCastleProvider())
                .validate(path, parameters);
    }

    private OrgAuthority authority(String org, KeyAlgorithm algorithm) {
        return OrgAuthority.first(issuer.authority(CertificateIssuer.authoritySubject(org, org + "-id", 1),
                org + ".zk.example", algorithm, now, Duration.ofDays(365)));
    }
}
