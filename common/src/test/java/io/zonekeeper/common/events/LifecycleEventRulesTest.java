package io.zonekeeper.common.events;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import java.util.stream.Stream;

class LifecycleEventRulesTest {

    private static final Instant NOW = Instant.parse("2026-06-30T23:30:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final LifecycleEventRules RULES = new LifecycleEventRules("clusters", Duration.ofHours(1));

    private static ClusterLifecycleEvent valid() {
        return ClusterLifecycleEvent.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(NOW).setOrgId("org-1")
                .setOrgName("acme").setClusterId("c-1").setClusterName("prod").setStatus(ClusterStatus.RUNNING)
                .setCloud("amazon").setRegion("eu-west-1").setKubeconfigVaultPath("clusters/c-1/kubeconfig").build();
    }

    @Test
    void aValidEventPassesUpToTheAllowedSkew() {
        assertThatCode(() -> RULES.check("org-1", valid(), CLOCK)).doesNotThrowAnyException();
        ClusterLifecycleEvent atTheLimit = ClusterLifecycleEvent.newBuilder(valid())
                .setOccurredAt(NOW.plus(Duration.ofHours(1))).build();
        assertThatCode(() -> RULES.check("org-1", atTheLimit, CLOCK)).doesNotThrowAnyException();
    }

    static Stream<Arguments> brokenEvents() {
        return Stream.of(
                Arguments.of("orgId", (UnaryOperator<ClusterLifecycleEvent.Builder>) b -> b.setOrgId("a/b"), "a/b"),
                Arguments.of("key", (UnaryOperator<ClusterLifecycleEvent.Builder>) b -> b, "other-org"),
                Arguments.of("orgName", (UnaryOperator<ClusterLifecycleEvent.Builder>) b -> b.setOrgName("b.a"), null),
                Arguments.of("clusterId", (UnaryOperator<ClusterLifecycleEvent.Builder>) b -> b.setClusterId("c 1"),
                        null),
                Arguments.of("clusterName", (UnaryOperator<ClusterLifecycleEvent.Builder>) b -> b.setClusterName(""),
                        null),
                Arguments.of("kubeconfigVaultPath", (UnaryOperator<ClusterLifecycleEvent.Builder>) b ->
                        b.setKubeconfigVaultPath("clusters/../secret/x"), null),
                Arguments.of("kubeconfigVaultPath", (UnaryOperator<ClusterLifecycleEvent.Builder>) b ->
                        b.setKubeconfigVaultPath("elsewhere/c-1/kubeconfig"), null),
                Arguments.of("kubeconfigVaultPath", (UnaryOperator<ClusterLifecycleEvent.Builder>) b ->
                        b.setKubeconfigVaultPath("clustersX/c-1"), null),
                Arguments.of("occurredAt", (UnaryOperator<ClusterLifecycleEvent.Builder>) b ->
                        b.setOccurredAt(NOW.plus(Duration.ofHours(2))), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenEvents")
    void aBrokenEventIsRefusedWithAReasonNamingTheField(String field, UnaryOperator<ClusterLifecycleEvent.Builder> breaking,
                                                        String key) {
        ClusterLifecycleEvent event = breaking.apply(ClusterLifecycleEvent.newBuilder(valid())).build();
        assertThatThrownBy(() -> RULES.check(key != null ? key : event.getOrgId(), event, CLOCK))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith(field + ": ");
    }
}
