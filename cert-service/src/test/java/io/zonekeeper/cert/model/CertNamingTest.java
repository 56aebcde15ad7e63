package io.zonekeeper.cert.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.common.events.InvalidEventException;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CertNamingTest {

    private final CertNaming naming = new CertNaming("zk.example", "zonekeeper/tls", "zonekeeper-tls");

    @Test
    void clusterCertificateCoversTheClusterAndEverythingDirectlyUnderIt() {
        assertThat(naming.serverNames("acme", "prod")).containsExactly("prod.acme.zk.example", "*.prod.acme.zk.example");
    }

    @Test
    void pathsAndSecretNames() {
        assertThat(naming.authorityPath("org-1")).isEqualTo("zonekeeper/tls/org-1/ca");
        assertThat(naming.certificatePath("org-1", "c-1", "server")).isEqualTo("zonekeeper/tls/org-1/clusters/c-1/server");
        assertThat(naming.secretName("server")).isEqualTo("zonekeeper-tls");
        assertThat(naming.secretName("mysql")).isEqualTo("mysql-tls");
        assertThat(CertNaming.stateKey("org-1", "c-1", "mysql")).isEqualTo("org-1/c-1/mysql");
        assertThat(CertNaming.legacyStateKey("c-1", "mysql")).isEqualTo("c-1/mysql");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mysql.prod.acme.zk.example", "api.acme.zk.example", "acme.zk.example",
            "*.acme.zk.example", "*.svc.prod.acme.zk.example", "MySQL.Prod.ACME.zk.example", "xn--bcher-kva.acme.zk.example"})
    void acceptsNamesInsideTheOrganizationsZone(String name) {
        assertThat(naming.requestedNames("acme", List.of(name))).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"api.other.zk.example", "acme.zk.example.evil.com", "zk.example", "*.zk.example",
            "xacme.zk.example", "api.acme.zk.example.", "example.com", "acme-zk.example"})
    void rejectsNamesOutsideTheOrganizationsZone(String name) {
        assertThatThrownBy(() -> naming.requestedNames("acme", List.of(name)))
                .isInstanceOf(InvalidEventException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a..acme.zk.example", "-a.acme.zk.example", "a-.acme.zk.example", "a_b.acme.zk.example",
            "*.*.acme.zk.example", "a.*.acme.zk.example", "*", "a b.acme.zk.example", "ä.acme.zk.example"})
    void rejectsMalformedNames(String name) {
        assertThatThrownBy(() -> naming.requestedNames("acme", List.of(name)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("not a");
    }

    @Test
    void rejectsTheWholeRequestWhenOneNameIsOutside() {
        assertThatThrownBy(() -> naming.requestedNames("acme", List.of("ok.acme.zk.example", "api.bank.zk.example")))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("'api.bank.zk.example' is outside the organization's zone acme.zk.example");
    }

    @Test
    void rejectsTooLongNamesAndTooManyNames() {
        String tooLong = ("a".repeat(60) + ".").repeat(4) + "acme.zk.example";
        assertThatThrownBy(() -> naming.requestedNames("acme", List.of(tooLong))).isInstanceOf(InvalidEventException.class);
        assertThatThrownBy(() -> naming.requestedNames("acme", Collections.nCopies(101, "a.acme.zk.example")))
                .hasMessageContaining("at most 100");
        assertThatThrownBy(() -> naming.requestedNames("acme", List.of())).hasMessageContaining("at least one");
    }

    @Test
    void lowerCasesAndDropsDuplicatesKeepingOrder() {
        assertThat(naming.requestedNames("acme", List.of("B.acme.zk.example", "a.acme.zk.example", "b.acme.zk.example")))
                .containsExactly("b.acme.zk.example", "a.acme.zk.example");
    }

    @ParameterizedTest
    @ValueSource(strings = {"server", "", "My_Cert", "a.b", "-x"})
    void rejectsUnusableCertificateNames(String name) {
        assertThatThrownBy(() -> CertNaming.requestedCertificateName(name)).isInstanceOf(InvalidEventException.class);
    }

    @Test
    void acceptsCertificateNamesThatMakeSecretNames() {
        assertThat(CertNaming.requestedCertificateName("mysql")).isEqualTo("mysql");
        assertThatThrownBy(() -> CertNaming.requestedCertificateName("a".repeat(60))).isInstanceOf(InvalidEventException.class);
    }

    @Test
    void aLegacyStateKeyHasOneSlashANewOneTwo() {
        assertThat(CertNaming.isLegacyStateKey(CertNaming.legacyStateKey("c-1", "server"))).isTrue();
        assertThat(CertNaming.isLegacyStateKey(CertNaming.stateKey("org-1", "c-1", "server"))).isFalse();
    }
}
