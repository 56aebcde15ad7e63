package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
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
        world.awaitState("org-1", s -> s.getLastLifecycleOffset() == stopped.offset());
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

    private String delegationSetOf(String zoneId) {
        var set = world.route53.getHostedZone(r -> r.id(zoneId)).delegationSet();
        return set == null || set.id() == null ? "" : set.id().replace("/delegationset/", "");
    }

    private ResourceRecordSet delegation(String zoneName) {
        return world.route53.listResourceRecordSets(r -> r.hostedZoneId(world.parentZoneId)).resourceRecordSets()
                .stream().filter(r -> r.type() == RRType.NS && r.name().equals(zoneName)).findFirst().orElseThrow();
    }
}
