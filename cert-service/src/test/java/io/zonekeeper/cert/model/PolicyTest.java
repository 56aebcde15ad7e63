package io.zonekeeper.cert.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.cert.model.AuthorityRotation.Step;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Renewal timing and the CA rotation cycle. */
class PolicyTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void renewsAtTwoThirdsOfTheLifetime() {
        RenewalPolicy policy = new RenewalPolicy(2.0 / 3);
        Instant notAfter = T0.plus(Duration.ofDays(90));
        assertThat(policy.renewAt(T0, notAfter)).isEqualTo(T0.plus(Duration.ofDays(60)));
        assertThat(policy.isDue(T0, notAfter, T0.plus(Duration.ofDays(60)).minusMillis(1))).isFalse();
        assertThat(policy.isDue(T0, notAfter, T0.plus(Duration.ofDays(60)))).isTrue();
    }

    @Test
    void refusesRenewalPointsOutsideTheLifetime() {
        assertThatThrownBy(() -> new RenewalPolicy(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RenewalPolicy(1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rotationStagesThenPromotesThenRetiresEachAfterPropagation() {
        var issuer = new CertificateIssuer(new SecureRandom(), Duration.ZERO);
        var rotation = new AuthorityRotation(Duration.ofDays(30), Duration.ofHours(24));
        IssuedCertificate first = issuer.authority(CertificateIssuer.authoritySubject("acme", "o", 1),
                "acme.zk.example", KeyAlgorithm.EC_P256, T0, Duration.ofDays(365));
        OrgAuthority authority = OrgAuthority.first(first);

        assertThat(rotation.nextStep(authority)).isEqualTo(Step.STAGE);
        assertThat(rotation.nextStepAt(authority)).isEqualTo(T0.plus(Duration.ofDays(335)));
        assertThat(rotation.dueStep(authority, T0.plus(Duration.ofDays(334)))).isEqualTo(Step.NONE);
        assertThat(authority.trustBundle()).containsExactly(first.certificate());

        Instant staged = T0.plus(Duration.ofDays(335));
        IssuedCertificate second = issuer.authority(CertificateIssuer.authoritySubject("acme", "o", 2),
                "acme.zk.example", KeyAlgorithm.EC_P256, staged, Duration.ofDays(365));
        authority = authority.staged(second, staged);
        assertThat(authority.current()).isEqualTo(first);
        assertThat(authority.trustBundle()).containsExactly(first.certificate(), second.certificate());
        assertThat(rotation.nextStepAt(authority)).isEqualTo(staged.plus(Duration.ofHours(24)));
        assertThat(rotation.dueStep(authority, staged.plus(Duration.ofHours(23)))).isEqualTo(Step.NONE);
        assertThat(rotation.dueStep(authority, staged.plus(Duration.ofHours(24)))).isEqualTo(Step.PROMOTE);

        Instant promoted = staged.plus(Duration.ofHours(24));
        authority = authority.promoted(promoted);
        assertThat(authority.generation()).isEqualTo(2);
        assertThat(authority.current()).isEqualTo(second);
        assertThat(authority.trustBundle()).containsExactly(second.certificate(), first.certificate());
        assertThat(rotation.dueStep(authority, promoted.plus(Duration.ofHours(24)))).isEqualTo(Step.RETIRE);

        authority = authority.withoutPrevious();
        assertThat(authority.trustBundle()).containsExactly(second.certificate());
        assertThat(authority.rotating()).isFalse();
        assertThat(rotation.nextStepAt(authority)).isEqualTo(staged.plus(Duration.ofDays(335)));
    }

    @Test
    void trustBundleParsesBackFromPem() {
        var issuer = new CertificateIssuer(new SecureRandom(), Duration.ZERO);
        IssuedCertificate ca = issuer.authority(CertificateIssuer.authoritySubject("acme", "o", 1),
                "acme.zk.example", KeyAlgorithm.RSA_2048, T0, Duration.ofDays(1));
        String pem = Pem.certificates(List.of(ca.certificate()));
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(Pem.parseCertificates(pem)).containsExactly(ca.certificate());
        String key = Pem.privateKey(ca.privateKey());
        assertThat(key).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Pem.parsePrivateKey(key)).isEqualTo(ca.privateKey());
        assertThatThrownBy(() -> Pem.parsePrivateKey(pem)).hasMessageNotContaining("BEGIN");
    }
}
