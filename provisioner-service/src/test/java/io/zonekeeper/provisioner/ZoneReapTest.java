package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import java.time.Duration;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.route53.model.NoSuchHostedZoneException;
import software.amazon.awssdk.services.route53.model.RRType;

class ZoneReapTest {

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    /** An organization whose only cluster ran and stopped, with both events applied. */
    private record ReadyThenStopped(OrgDnsState ready, RecordMetadata stopped) {
    }

    private ReadyThenStopped readyThenStopped() {
        world.cluster("c-1");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState ready = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        return new ReadyThenStopped(ready, stopAndAwait());
    }

    private RecordMetadata stopAndAwait() {
        var stopped = world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.STOPPED));
        world.awaitState("org-1", s -> s.getLastLifecycleOffset() != null && s.getLastLifecycleOffset() == stopped.offset());
        return stopped;
    }

    @Test
    void reapingTearsEverythingDown() {
        ReadyThenStopped org = readyThenStopped();
        OrgDnsState ready = org.ready();
        var stopped = org.stopped();

        world.reap("org-1", "acme", ready.getZoneId(), stopped);

        await().atMost(Duration.ofSeconds(60)).until(() -> world.orgStates().containsKey("org-1")
                && world.orgStates().get("org-1") == null);
        assertThatThrownBy(() -> world.route53.getHostedZone(r -> r.id(ready.getZoneId())))
                .isInstanceOf(NoSuchHostedZoneException.class);
        assertThat(world.route53.listResourceRecordSets(r -> r.hostedZoneId(world.parentZoneId)).resourceRecordSets())
                .noneSatisfy(s -> assertThat(s.type() == RRType.NS && s.name().equals("acme.example.com.")).isTrue());
        assertThatThrownBy(() -> world.iam.getUser(r -> r.userName(ready.getIamUserName())))
                .isInstanceOf(NoSuchEntityException.class);
        assertThatThrownBy(() -> world.iam.getPolicy(r -> r.policyArn(ready.getPolicyArn())))
                .isInstanceOf(NoSuchEntityException.class);
        assertThat(world.vault.read("secret", ready.getCredentialsVaultPath())).isEmpty();
        assertThat(world.readAll(world.orgDnsTopic).stream().map(r -> r.value() == null ? "tombstone" : "state")
                .toList()).endsWith("state", "tombstone");
        assertThat(world.audits()).filteredOn(a -> a.getAction() == AuditAction.DELETED)
                .extracting(AuditEvent::getResourceType)
                .contains(ResourceType.HOSTED_ZONE, ResourceType.ZONE_DELEGATION, ResourceType.IAM_POLICY,
                        ResourceType.IAM_USER, ResourceType.VAULT_SECRET);
    }

    @Test
    void aReapDecidedBeforeTheClusterCameBackIsRefusedAndAudited() {
        world.cluster("c-1");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState ready = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        var stopped = world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.STOPPED));
        var back = world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.awaitState("org-1", s -> s.getLastLifecycleOffset() != null && s.getLastLifecycleOffset() == back.offset());

        world.reap("org-1", "acme", ready.getZoneId(), stopped);

        await().atMost(Duration.ofSeconds(30)).until(() -> world.audits().stream()
                .anyMatch(a -> a.getAction() == AuditAction.REAP_REFUSED));
        AuditEvent refused = world.audits().stream().filter(a -> a.getAction() == AuditAction.REAP_REFUSED)
                .findFirst().orElseThrow();
        assertThat(refused.getReason()).contains("newer lifecycle event");
        assertThat(refused.getResourceId()).isEqualTo(ready.getZoneId());
        assertThat(world.route53.getHostedZone(r -> r.id(ready.getZoneId())).hostedZone()).isNotNull();
        assertThat(world.orgStates().get("org-1").getStatus()).isEqualTo(OrgDnsStatus.READY);
    }

    @Test
    void aReapWaitsUntilTheLifecycleEventsItWasDecidedOnHaveBeenApplied() {
        world.cluster("c-1");
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        var stopped = world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.STOPPED));
        var back = world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        // The command for the zone that will be created is decided at 'stopped'; the zone id is not known yet, so
        // the command names a placeholder and must be refused either way; what matters is that it is not applied
        // before the events at or before its position, and that 'back' makes it stale.
        world.reap("org-1", "acme", "ZPLACEHOLDER", stopped);
        world.startService("provisioner-" + world.suffix);

        world.awaitState("org-1", s -> s.getLastLifecycleOffset() != null && s.getLastLifecycleOffset() == back.offset());
        await().atMost(Duration.ofSeconds(30)).until(() -> world.audits().stream()
                .anyMatch(a -> a.getAction() == AuditAction.REAP_REFUSED));
        // Judged against the organization's state, so the lifecycle events before it had been applied: had it run
        // first, the organization would have had no zone at all.
        assertThat(world.audits()).filteredOn(a -> a.getAction() == AuditAction.REAP_REFUSED).singleElement()
                .satisfies(a -> assertThat(a.getReason()).contains("is not the organization's current zone"));
        assertThat(world.orgStates().get("org-1").getStatus()).isEqualTo(OrgDnsStatus.READY);
    }

    @Test
    void anOrganizationComingBackAfterItsZoneWasReapedGetsANewZone() {
        world.cluster("c-1");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState first = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        var stopped = stopAndAwait();
        world.reap("org-1", "acme", first.getZoneId(), stopped);
        await().atMost(Duration.ofSeconds(60)).until(() -> world.orgStates().containsKey("org-1")
                && world.orgStates().get("org-1") == null);

        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));

        OrgDnsState second = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(second.getZoneId()).isNotEqualTo(first.getZoneId());
        assertThat(world.route53.listHostedZonesByName(r -> r.dnsName("acme.example.com.")).hostedZones())
                .filteredOn(z -> z.name().equals("acme.example.com.")).hasSize(1);
    }
}
