package io.zonekeeper.common.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class IdentifiersTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "acme", "acme-corp", "a1", "0", "x23456789012345678901234567890123456789012345678901234567890123"})
    void acceptsSingleDnsLabels(String name) {
        assertThat(Identifiers.orgName(name)).isEqualTo(name);
    }

    @Test
    void lowersUpperCaseButNothingElse() {
        assertThat(Identifiers.orgName("AcMe")).isEqualTo("acme");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"b.a", "a.", ".a", "-acme", "acme-", "ac_me", "ac me", "acmé", "a/b",
            "x234567890123456789012345678901234567890123456789012345678901234"})
    void rejectsAnythingThatIsNotASingleLabel(String name) {
        assertThatThrownBy(() -> Identifiers.orgName(name)).isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("not a single DNS label");
    }

    @ParameterizedTest
    @ValueSource(strings = {"c-1", "2f0e7a9c-5d1b-4a7e-9a0f-1b2c3d4e5f60", "cluster.prod_1"})
    void acceptsClusterIdsUsableAsLabelValues(String id) {
        assertThat(Identifiers.clusterId(id)).isEqualTo(id);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"-c", "c-", "c/1", "c 1", "0123456789012345678901234567890123456789012345678901234567890123"})
    void rejectsClusterIdsUnusableAsLabelValues(String id) {
        assertThatThrownBy(() -> Identifiers.clusterId(id)).isInstanceOf(InvalidEventException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/abs/path", "a/../b", "a//b", "a b", ""})
    void rejectsVaultPathsThatCouldEscapeOrAreMalformed(String path) {
        assertThatThrownBy(() -> Identifiers.vaultPath(path)).isInstanceOf(InvalidEventException.class);
    }

    @Test
    void rejectsOrganizationIdsThatCouldEscapeAVaultPath() {
        assertThatThrownBy(() -> Identifiers.orgId("../other")).isInstanceOf(InvalidEventException.class);
        assertThatThrownBy(() -> Identifiers.orgId("a/b")).isInstanceOf(InvalidEventException.class);
        assertThat(Identifiers.orgId("org-42")).isEqualTo("org-42");
    }
}
