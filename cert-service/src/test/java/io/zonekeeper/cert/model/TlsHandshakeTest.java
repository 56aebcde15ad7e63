package io.zonekeeper.cert.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
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

    private OrgAuthority authority(String org, KeyAlgorithm algorithm) {
        return OrgAuthority.first(issuer.authority(CertificateIssuer.authoritySubject(org, org + "-id", 1), algorithm,
                now, Duration.ofDays(365)));
    }
}
