package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/**
 * Every zone of the installation is served by the same name servers, so a zone that comes back after a reap is
 * found where resolvers' cached delegations point. The emulator hands every zone the same four name servers
 * whatever the set, so what is checked here is that zones are created in the set and delegated to its servers.
 */
class DelegationSetTest {

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void everyZoneIsCreatedInTheInstallationsOwnDelegationSetAlsoWhenItComesBack() {
        world.cluster("c-1");
        world.cluster("c-2");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.emit(ProvisionerWorld.event("org-2", "bank", "c-2", ClusterStatus.RUNNING));
        OrgDnsState acme = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        OrgDnsState bank = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY);
        String set = delegationSetOf(acme.getZoneId());
        assertThat(set).isNotBlank();
        assertThat(delegationSetOf(bank.getZoneId())).isEqualTo(set);
        var stopped = world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.STOPPED));
        world.awaitState("org-1", s -> s.getLastLifecycleOffset() == world.lifecyclePosition(stopped).getOffset());
        world.reap("org-1", "acme", acme.getZoneId(), stopped);
        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.DELETED);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState back = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY
                && !s.getZoneId().equals(acme.getZoneId()));

        assertThat(delegationSetOf(back.getZoneId())).isEqualTo(set);
        assertThat(world.aws.requests("CreateReusableDelegationSet")).isEqualTo(1);
        List<String> setServers = world.route53.getReusableDelegationSet(r -> r.id(set)).delegationSet().nameServers();
        assertThat(delegation("acme.example.com.")).satisfies(ns -> {
            assertThat(ns.resourceRecords()).extracting(ResourceRecord::value)
                    .containsExactlyInAnyOrderElementsOf(setServers.stream().map(n -> n + ".").toList());
            assertThat(ns.ttl()).as("one hour bounds an outage should name servers ever change").isEqualTo(3_600L);
        });
    }

    @Test
    void aSetNamedInTheConfigurationIsUsedAndOneThatDoesNotExistStopsTheStart() {
        String configured = world.route53.createReusableDelegationSet(r -> r.callerReference("ops-" + world.suffix))
                .delegationSet().id().replace("/delegationset/", "");
        world.cluster("c-1");
        world.setEnv("DELEGATION_SET_ID", configured);
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));

        OrgDnsState ready = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);

        assertThat(delegationSetOf(ready.getZoneId())).isEqualTo(configured);
        assertThat(world.aws.requests("CreateReusableDelegationSet")).isZero();
        world.setEnv("DELEGATION_SET_ID", "NOSUCHSET");
        assertThatThrownBy(() -> world.startService("provisioner-2-" + world.suffix))
                .hasMessageContaining("NOSUCHSET");
    }

    @Test
    void zonesFillOneSetAfterAnotherAndTakeTheRoomAReapedZoneLeftAlsoAfterARestart() {
        world.route53Rules.zonesPerDelegationSetLimit(2);
        world.setEnv("QUOTA_REFRESH", "1s");
        for (int i = 1; i <= 7; i++) {
            world.cluster("c-" + i);
        }
        ProvisionerService first = world.startService("provisioner-" + world.suffix);
        Map<String, OrgDnsState> ready = new TreeMap<>();
        for (int i = 1; i <= 5; i++) {
            world.emit(ProvisionerWorld.event("org-" + i, "org" + i, "c-" + i, ClusterStatus.RUNNING));
        }
        for (int i = 1; i <= 5; i++) {
            ready.put("org-" + i, world.awaitState("org-" + i, s -> s.getStatus() == OrgDnsStatus.READY));
        }
        Map<String, Long> zonesPerSet = ready.values().stream()
                .collect(Collectors.groupingBy(s -> delegationSetOf(s.getZoneId()), Collectors.counting()));
        assertThat(zonesPerSet.values()).as("two sets filled, the third begun").containsExactlyInAnyOrder(2L, 2L, 1L);
        assertThat(world.aws.requests("CreateReusableDelegationSet")).isEqualTo(3);
        assertThat(world.aws.requests("CreateHostedZone")).as("zones made at the same time spill over into the next"
                + " set, not refused by Route53").isEqualTo(5);
        String firstSet;
        try (Route53Client proxied = world.route53ThroughProxy()) {
            firstSet = proxied.listReusableDelegationSets().delegationSets().stream()
                    .filter(set -> !set.callerReference().matches(".*-\\d+")).findFirst().orElseThrow().id()
                    .replace("/delegationset/", "");
        }
        assertThat(zonesPerSet).containsEntry(firstSet, 2L);

        // A zone of the first set is reaped; once its figures are older than the refresh, its room is taken first.
        OrgDnsState leaving = ready.values().stream().filter(s -> delegationSetOf(s.getZoneId()).equals(firstSet))
                .findFirst().orElseThrow();
        var stopped = world.emit(ProvisionerWorld.event(leaving.getOrgId(), leaving.getOrgName(),
                "c-" + leaving.getOrgId().substring(4), ClusterStatus.STOPPED));
        world.awaitState(leaving.getOrgId(), s -> s.getLastLifecycleOffset() == world.lifecyclePosition(stopped).getOffset());
        world.reap(leaving.getOrgId(), leaving.getOrgName(), leaving.getZoneId(), stopped);
        world.awaitState(leaving.getOrgId(), s -> s.getStatus() == OrgDnsStatus.DELETED);
        sleep(Duration.ofMillis(1_100));
        world.emit(ProvisionerWorld.event("org-6", "org6", "c-6", ClusterStatus.RUNNING));
        OrgDnsState sixth = world.awaitState("org-6", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(delegationSetOf(sixth.getZoneId())).isEqualTo(firstSet);

        // A new instance finds the installation's sets by their references and goes on filling the third.
        world.stop(first);
        world.startService("provisioner-2-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-7", "org7", "c-7", ClusterStatus.RUNNING));
        OrgDnsState seventh = world.awaitState("org-7", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(zonesPerSet).containsEntry(delegationSetOf(seventh.getZoneId()), 1L);
        assertThat(world.aws.requests("CreateReusableDelegationSet")).isEqualTo(3);
    }

    @Test
    void aSetAnotherInstanceFilledMeanwhileRefusesTheZoneAndTheNextSetIsMade() {
        world.route53Rules.zonesPerDelegationSetLimit(2);
        world.cluster("c-1");
        world.cluster("c-2");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        String set = delegationSetOf(world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY).getZoneId());
        // Another instance's zone takes the set's last place; this instance still counts one free.
        try (Route53Client other = world.route53ThroughProxy()) {
            other.createHostedZone(r -> r.name("elsewhere.example.com.").callerReference("other-" + world.suffix)
                    .delegationSetId(set));
        }

        world.emit(ProvisionerWorld.event("org-2", "bank", "c-2", ClusterStatus.RUNNING));

        OrgDnsState bank = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(delegationSetOf(bank.getZoneId())).isNotEqualTo(set).isNotBlank();
        assertThat(world.aws.requests("CreateReusableDelegationSet")).isEqualTo(2);
        assertThat(world.deadLetters()).isEmpty();
    }

    @Test
    void whenEverySetIsFullAndNoMoreSetsMayBeMadeANewOrganizationIsRefusedWithTheReason() {
        world.route53Rules.zonesPerDelegationSetLimit(1);
        world.route53Rules.delegationSetLimit(1);
        world.cluster("c-1");
        world.cluster("c-2");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);

        world.emit(ProvisionerWorld.event("org-2", "bank", "c-2", ClusterStatus.RUNNING));

        OrgDnsState refused = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.FAILED);
        assertThat(refused.getStatusReason()).contains("no room for zone bank.example.com.",
                "quota of reusable delegation sets is reached");
        assertThat(world.route53.listHostedZonesByName(r -> r.dnsName("bank.example.com.")).hostedZones()).isEmpty();
        assertThat(world.iam.listUsers().users()).as("nothing half-built").hasSize(1);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private String delegationSetOf(String zoneId) {
        var set = world.route53.getHostedZone(r -> r.id(zoneId)).delegationSet();
        return set == null || set.id() == null ? "" : set.id().replace("/delegationset/", "");
    }

    private ResourceRecordSet delegation(String zoneName) {
        return world.route53.listResourceRecordSets(r -> r.hostedZoneId(world.parentZoneId)).resourceRecordSets()
                .stream().filter(r -> r.type() == RRType.NS && r.name().equals(zoneName)).findFirst().orElseThrow();
    }
}
