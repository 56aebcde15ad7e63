package io.zonekeeper.cert.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CertificateIssuerTest {

    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private static final Duration BACKDATE = Duration.ofMinutes(5);
    private final CertificateIssuer issuer = new CertificateIssuer(new SecureRandom(), BACKDATE);

    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void authorityIsAPathLengthZeroCaNamingTheOrganization(KeyAlgorithm algorithm) throws Exception {
        IssuedCertificate ca = issuer.authority(CertificateIssuer.authoritySubject("acme", "org-1", 1), "acme.zk.example",
                algorithm, NOW, Duration.ofDays(5 * 365));
        X509Certificate cert = ca.certificate();

        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=acme CA 1,OU=Zonekeeper organization org-1,O=acme");
        assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
        assertThat(cert.getBasicConstraints()).as("CA with path length 0").isEqualTo(0);
        assertThat(cert.getCriticalExtensionOIDs()).contains(Extension.basicConstraints.getId(), Extension.keyUsage.getId(),
                Extension.nameConstraints.getId());
        NameConstraints constraints = NameConstraints.getInstance(ASN1OctetString.getInstance(
                cert.getExtensionValue(Extension.nameConstraints.getId())).getOctets());
        assertThat(constraints.getPermittedSubtrees()).extracting(t -> t.getBase().toString())
                .containsExactly("2: acme.zk.example");
        assertThat(constraints.getExcludedSubtrees()).extracting(t -> t.getBase().getTagNo())
                .containsExactly(GeneralName.iPAddress, GeneralName.iPAddress);
        boolean[] usage = cert.getKeyUsage();
        assertThat(usage[5]).as("keyCertSign").isTrue();
        assertThat(usage[6]).as("cRLSign").isTrue();
        assertThat(usage[0]).as("digitalSignature").isFalse();
        assertThat(cert.getNotBefore().toInstant()).isEqualTo(NOW.minus(BACKDATE));
        assertThat(cert.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(5 * 365)));
        assertThat(subjectKeyId(cert)).isEqualTo(authorityKeyId(cert));
        assertThat(cert.getSerialNumber().bitLength()).isGreaterThanOrEqualTo(64);
        assertThat(cert.getSerialNumber().signum()).isPositive();
        cert.verify(cert.getPublicKey());
        if (algorithm.isRsa()) {
            assertThat(((RSAPublicKey) cert.getPublicKey()).getModulus().bitLength())
                    .isEqualTo(algorithm == KeyAlgorithm.RSA_2048 ? 2048 : 4096);
            assertThat(cert.getSigAlgName()).isEqualTo("SHA256withRSA");
        } else {
            assertThat(((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
            assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
        }
    }

    @ParameterizedTest
    @EnumSource(value = KeyAlgorithm.class, names = {"EC_P256", "RSA_2048"})
    void serverCertificateCarriesTheNamesUsagesAndIdentifiersOfATlsServer(KeyAlgorithm algorithm) throws Exception {
        IssuedCertificate ca = authority();
        List<String> names = List.of("prod.acme.zk.example", "*.prod.acme.zk.example");
        X509Certificate cert = issuer.server(ca, names, algorithm, NOW, Duration.ofDays(90)).certificate();

        assertThat(Certificates.dnsNames(cert)).containsExactlyElementsOf(names);
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=prod.acme.zk.example");
        assertThat(cert.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
        assertThat(cert.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        assertThat(cert.getCriticalExtensionOIDs()).contains(Extension.basicConstraints.getId());
        boolean[] usage = cert.getKeyUsage();
        assertThat(usage[0]).as("digitalSignature").isTrue();
        assertThat(usage[2]).as("keyEncipherment only for RSA").isEqualTo(algorithm.isRsa());
        assertThat(usage[5]).as("keyCertSign").isFalse();
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(authorityKeyId(cert)).isEqualTo(subjectKeyId(ca.certificate()));
        assertThat(subjectKeyId(cert)).isNotEqualTo(subjectKeyId(ca.certificate()));
        assertThat(cert.getSerialNumber().bitLength()).isGreaterThanOrEqualTo(64);
        assertThat(cert.getNotBefore().toInstant()).isEqualTo(NOW.minus(BACKDATE));
        assertThat(cert.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(90)));
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo(algorithm.isRsa() ? "RSA" : "EC");

        validate(cert, ca.certificate(), NOW);
    }

    @Test
    void serialsDifferBetweenCertificates() {
        IssuedCertificate ca = authority();
        var a = issuer.server(ca, List.of("a.acme.zk.example"), KeyAlgorithm.EC_P256, NOW, Duration.ofDays(1));
        var b = issuer.server(ca, List.of("a.acme.zk.example"), KeyAlgorithm.EC_P256, NOW, Duration.ofDays(1));
        assertThat(a.serialHex()).isNotEqualTo(b.serialHex());
    }

    @Test
    void serverCertificateNeverOutlivesItsAuthority() {
        IssuedCertificate ca = issuer.authority(CertificateIssuer.authoritySubject("acme", "org-1", 1), "acme.zk.example",
                KeyAlgorithm.EC_P256, NOW, Duration.ofDays(30));
        var leaf = issuer.server(ca, List.of("a.acme.zk.example"), KeyAlgorithm.EC_P256, NOW, Duration.ofDays(90));
        assertThat(leaf.notAfter()).isEqualTo(ca.notAfter());
    }

    @Test
    void aFirstNameTooLongForTheCommonNameLeavesTheSubjectEmptyAndTheNamesCritical() {
        String longName = "a".repeat(60) + ".acme.zk.example";
        var cert = issuer.server(authority(), List.of(longName), KeyAlgorithm.EC_P256, NOW, Duration.ofDays(1))
                .certificate();
        assertThat(cert.getSubjectX500Principal().getName()).isEmpty();
        assertThat(cert.getCriticalExtensionOIDs()).contains(Extension.subjectAlternativeName.getId());
    }

    @Test
    void chainFailsValidationAgainstAnotherOrganizationsAuthority() {
        var leaf = issuer.server(authority(), List.of("a.acme.zk.example"), KeyAlgorithm.EC_P256, NOW,
                Duration.ofDays(1)).certificate();
        var other = issuer.authority(CertificateIssuer.authoritySubject("evil", "org-2", 1), "evil.zk.example",
                KeyAlgorithm.EC_P256, NOW, Duration.ofDays(365)).certificate();
        assertThatThrownBy(() -> validate(leaf, other, NOW)).isInstanceOf(CertPathValidatorException.class);
    }

    @Test
    void chainFailsValidationOnceExpired() {
        IssuedCertificate ca = authority();
        var leaf = issuer.server(ca, List.of("a.acme.zk.example"), KeyAlgorithm.EC_P256, NOW, Duration.ofDays(1))
                .certificate();
        assertThatThrownBy(() -> validate(leaf, ca.certificate(), NOW.plus(Duration.ofDays(2))))
                .isInstanceOf(CertPathValidatorException.class);
    }

    @Test
    void privateKeysStayOutOfToString() {
        var rsa = issuer.server(authority(), List.of("a.acme.zk.example"), KeyAlgorithm.RSA_2048, NOW, Duration.ofDays(1));
        String exponent = ((java.security.interfaces.RSAPrivateKey) rsa.privateKey()).getPrivateExponent().toString(16);
        assertThat(rsa.toString()).contains("hidden").doesNotContain(exponent.substring(0, 32));
        TlsMaterial material = TlsMaterial.of(rsa, OrgAuthority.first(authority()));
        assertThat(material.toString()).doesNotContain("PRIVATE KEY");
    }

    private IssuedCertificate authority() {
        return issuer.authority(CertificateIssuer.authoritySubject("acme", "org-1", 1), "acme.zk.example",
                KeyAlgorithm.EC_P256, NOW, Duration.ofDays(365));
    }

    static void validate(X509Certificate leaf, X509Certificate anchor, Instant at) throws Exception {
        var path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf));
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(at));
        CertPathValidator.getInstance("PKIX").validate(path, parameters);
    }

    private static byte[] subjectKeyId(X509Certificate cert) {
        byte[] value = cert.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(value).getOctets()).getKeyIdentifier();
    }

    private static byte[] authorityKeyId(X509Certificate cert) {
        byte[] value = cert.getExtensionValue(Extension.authorityKeyIdentifier.getId());
        return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(value).getOctets()).getKeyIdentifier();
    }
}
