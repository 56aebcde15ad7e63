package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/** What a hostile or careless organization name cannot do: take over, or even touch, another organization's zone. */
class TenantSafetyTest {

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void aSecondOrganizationWithTheSameNameIsRefusedAndTouchesNothingOfTheFirst() {
        world.cluster("c-1");
        world.cluster("c-2");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState first = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        long policiesBefore = world.iam.listPolicies(r -> r.scope("Local")).policies().size();
        long usersBefore = world.iam.listUsers().users().size();

        world.emit(ProvisionerWorld.event("org-2", "acme", "c-2", ClusterStatus.RUNNING));

        OrgDnsState refused = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.FAILED);
        assertThat(refused.getZoneId()).isNull();
        assertThat(refused.getStatusReason()).contains("belongs to another organization", first.getZoneId());
        await().atMost(Duration.ofSeconds(30)).until(() -> world.deadLetters().size() == 1);
        assertThat(reason(world.deadLetters().get(0))).contains("acme.example.com.", "belongs to another organization",
                "organization names must be unique");
        await().atMost(Duration.ofSeconds(30)).until(() -> world.audits().stream().anyMatch(e ->
                e.getAction() == AuditAction.REJECTED && "org-2".equals(e.getOrgId())));
        assertThat(world.audits()).filteredOn(e -> "org-2".equals(e.getOrgId()))
                .allSatisfy(e -> assertThat(e.getAction()).isEqualTo(AuditAction.REJECTED));
        // Nothing made for org-2, nothing of org-1 changed, nothing in org-2's cluster.
        assertThat(world.iam.listPolicies(r -> r.scope("Local")).policies()).hasSize((int) policiesBefore);
        assertThat(world.iam.listUsers().users()).hasSize((int) usersBefore);
        assertThat(world.orgStates().get("org-1")).satisfies(s -> {
            assertThat(s.getZoneId()).isEqualTo(first.getZoneId());
            assertThat(s.getAccessKeyId()).isEqualTo(first.getAccessKeyId());
        });
        try (var admin = world.clusters.get("c-2").adminClient()) {
            assertThat(admin.apps().deployments().inNamespace("external-dns").list().getItems()).isEmpty();
            assertThat(admin.secrets().inNamespace("external-dns").list().getItems()).isEmpty();
        }
        assertThat(world.route53.getHostedZone(r -> r.id(first.getZoneId())).hostedZone().config().comment())
                .isEqualTo("Managed by Zonekeeper for organization org-1");
    }

    @Test
    void aSecondOrganizationOfTheSameNameWhoseZoneGoesIntoAnotherSetOfThePoolIsRefusedByTheParentsDelegation() {
        // In another set Route53 accepts a second zone of the name; the parent's delegation, which a name has once,
        // does not.
        OrgDnsState first = acmeReadyInAFullSet();
        List<String> delegatedBefore = delegation("acme.example.com.");

        world.emit(ProvisionerWorld.event("org-2", "acme", "c-2", ClusterStatus.RUNNING));

        OrgDnsState refused = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.FAILED);
        assertThat(refused.getStatusReason()).contains("belongs to another organization", first.getZoneId(),
                "organization names must be unique");
        assertThat(world.aws.requests("CreateReusableDelegationSet")).as("org-2's zone went into a second set")
                .isEqualTo(2);
        assertThat(zonesNamed("acme.example.com.")).as("the zone just made was deleted again")
                .containsExactly(first.getZoneId());
        assertThat(delegation("acme.example.com.")).isEqualTo(delegatedBefore);
        assertThat(world.iam.listUsers().users()).as("nothing made for org-2").hasSize(1);
        assertThat(world.orgStates().get("org-1").getZoneId()).isEqualTo(first.getZoneId());
    }

    @Test
    void aNameWhoseDelegationWasRemovedByHandIsNotTakenBackFromTheOrganizationOfAnotherSetThatDelegatedItSince() {
        OrgDnsState first = acmeReadyInAFullSet();
        undelegate("acme.example.com.");
        // The gap one set does not have: the name is delegated nowhere, and org-2's zone lands in another set.
        world.emit(ProvisionerWorld.event("org-2", "acme", "c-2", ClusterStatus.RUNNING));
        OrgDnsState second = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY);
        world.aws.resetCounts();

        world.reconcile("org-1");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(world.audits())
                .filteredOn(e -> "org-1".equals(e.getOrgId()) && e.getAction() == AuditAction.REJECTED)
                .singleElement().satisfies(e -> assertThat(e.getReason()).contains("2 hosted zones are named",
                        first.getZoneId(), second.getZoneId())));
        assertThat(world.route53CallsByOperation()).as("the delegation is not written back")
                .doesNotContainKey("ChangeResourceRecordSets");
        assertThat(world.orgStates().get("org-1").getZoneId()).isEqualTo(first.getZoneId());
    }

    @Test
    void anOrganizationWhoseStateWasLostKeepsItsZoneWhenItsSetIsFull() {
        // Its next create goes to another set, where Route53 would accept a second zone of the name; the
        // CallerReference it asks with was its zone's, which Route53 refuses, and the zone is found instead.
        world.route53Rules.zonesPerDelegationSetLimit(1);
        world.cluster("c-1");
        ProvisionerService before = world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState first = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        world.stop(before);
        world.sendRaw(world.orgDnsTopic, "org-1", null);

        world.startService("provisioner-2-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));

        OrgDnsState again = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY
                && s.getUpdatedAt().isAfter(first.getUpdatedAt()));
        assertThat(again.getZoneId()).isEqualTo(first.getZoneId());
        assertThat(again.getZoneCreatedAt()).as("unknown age: counted as paid for").isNull();
        assertThat(zonesNamed("acme.example.com.")).containsExactly(first.getZoneId());
        assertThat(world.aws.requests("DeleteHostedZone")).isZero();
        assertThat(world.deadLetters()).isEmpty();
    }

    @Test
    void aZoneZonekeeperDidNotMakeIsAdoptedOnlyWhenConfiguredAndThenOnlyByOneOrganization() {
        world.cluster("c-1");
        world.cluster("c-2");
        // Made by hand outside Zonekeeper's delegation set, and serving: the parent delegates the name to it.
        var made = world.route53.createHostedZone(r -> r.name("legacy.example.com.")
                .callerReference("made-by-hand-" + world.suffix));
        String legacy = made.hostedZone().id().replace("/hostedzone/", "");
        delegate("legacy.example.com.", made.delegationSet().nameServers());
        ProvisionerService strict = world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-3", "legacy", "c-1", ClusterStatus.RUNNING));
        OrgDnsState refused = world.awaitState("org-3", s -> s.getStatus() == OrgDnsStatus.FAILED);
        assertThat(refused.getStatusReason()).contains("exists outside Zonekeeper's delegation sets",
                "ADOPT_UNOWNED_ZONES=true");
        assertThat(zonesNamed("legacy.example.com.")).as("the zone just made was deleted again").containsExactly(legacy);
        assertThat(delegation("legacy.example.com.")).as("the parent still delegates to the zone made by hand")
                .containsExactlyInAnyOrderElementsOf(made.delegationSet().nameServers());
        assertThat(world.iam.listUsers().users()).as("no user made").isEmpty();
        world.stop(strict);

        world.setEnv("ADOPT_UNOWNED_ZONES", "true");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-3", "legacy", "c-1", ClusterStatus.RUNNING));
        OrgDnsState adopted = world.awaitState("org-3", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(adopted.getZoneId()).isEqualTo(legacy);
        assertThat(adopted.getZoneCreatedAt()).as("unknown age: counted as paid for").isNull();
        assertThat(world.route53.getHostedZone(r -> r.id(legacy)).hostedZone().config().comment())
                .isEqualTo("Managed by Zonekeeper for organization org-3");
        assertThat(world.audits()).anySatisfy(e -> {
            assertThat(e.getAction()).isEqualTo(AuditAction.UPDATED);
            assertThat(e.getResourceType()).isEqualTo(ResourceType.HOSTED_ZONE);
            assertThat(e.getReason()).startsWith("adopted");
        });

        // Adopted means owned: the next organization of that name is refused like any other.
        world.emit(ProvisionerWorld.event("org-4", "legacy", "c-2", ClusterStatus.RUNNING));
        assertThat(world.awaitState("org-4", s -> s.getStatus() == OrgDnsStatus.FAILED).getStatusReason())
                .contains("belongs to another organization");
        assertThat(world.orgStates().get("org-3").getZoneId()).isEqualTo(legacy);
    }

    @Test
    void aZoneMadeByHandThatNoParentDelegatesToIsLeftAloneBesideTheOrganizationsOwn() {
        world.cluster("c-1");
        String byHand = world.route53.createHostedZone(r -> r.name("quiet.example.com.")
                .callerReference("made-by-hand-" + world.suffix)).hostedZone().id().replace("/hostedzone/", "");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-5", "quiet", "c-1", ClusterStatus.RUNNING));

        OrgDnsState ready = world.awaitState("org-5", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(ready.getZoneId()).isNotEqualTo(byHand);
        assertThat(zonesNamed("quiet.example.com.")).containsExactlyInAnyOrder(byHand, ready.getZoneId());
        assertThat(world.route53.getHostedZone(r -> r.id(byHand)).hostedZone().config().comment())
                .as("not adopted").isNull();
        assertThat(delegation("quiet.example.com.")).containsExactlyInAnyOrderElementsOf(ready.getNameServers());

        // A reconcile looks the name up, finds both, and keeps to the one its state names.
        String command = world.reconcile("org-5");
        world.awaitQuiet("provisioner-" + world.suffix);
        assertThat(world.audits()).filteredOn(a -> command.equals(a.getCauseEventId()))
                .noneSatisfy(a -> assertThat(a.getAction()).isEqualTo(AuditAction.REJECTED));
        assertThat(world.orgStates().get("org-5").getZoneId()).isEqualTo(ready.getZoneId());
        assertThat(world.deadLetters()).isEmpty();
    }

    @Test
    void aRenameWhileTheZoneExistsIsRefusedAndLeavesNoSecondZoneThenTheNextZoneTakesTheNewName() {
        world.cluster("c-1");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState first = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);

        world.emit(ProvisionerWorld.event("org-1", "acme-renamed", "c-1", ClusterStatus.RUNNING));

        await().atMost(Duration.ofSeconds(30)).until(() -> world.deadLetters().size() == 1);
        assertThat(reason(world.deadLetters().get(0))).contains("is named 'acme'", "acme.example.com.",
                "renaming it to 'acme-renamed' is not supported while the zone exists");
        assertThat(world.route53.listHostedZonesByName(r -> r.dnsName("acme-renamed.example.com.")).hostedZones())
                .noneSatisfy(z -> assertThat(z.name()).isEqualTo("acme-renamed.example.com."));
        assertThat(world.orgStates().get("org-1")).satisfies(s -> {
            assertThat(s.getStatus()).isEqualTo(OrgDnsStatus.READY);
            assertThat(s.getZoneId()).isEqualTo(first.getZoneId());
        });

        // Once the zone is reaped, the organization's next zone has the new name.
        var stopped = world.emit(ProvisionerWorld.event("org-1", "acme-renamed", "c-1", ClusterStatus.STOPPED));
        world.awaitState("org-1", s -> s.getLastLifecycleOffset() == world.lifecyclePosition(stopped).getOffset());
        world.reap("org-1", "acme", first.getZoneId(), stopped);
        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.DELETED);
        world.emit(ProvisionerWorld.event("org-1", "acme-renamed", "c-1", ClusterStatus.RUNNING));
        assertThat(world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY).getZoneName())
                .isEqualTo("acme-renamed.example.com.");
    }

    private void delegate(String name, List<String> nameServers) {
        world.route53.changeResourceRecordSets(r -> r.hostedZoneId(world.parentZoneId).changeBatch(b -> b.changes(
                Change.builder().action(ChangeAction.UPSERT).resourceRecordSet(ResourceRecordSet.builder().name(name)
                        .type(RRType.NS).ttl(3600L).resourceRecords(nameServers.stream()
                                .map(ns -> ResourceRecord.builder().value(ns).build()).toList()).build()).build())));
    }

    /** org-1 "acme" ready in a pool whose sets hold one zone each, so the next zone goes into another set. */
    private OrgDnsState acmeReadyInAFullSet() {
        world.route53Rules.zonesPerDelegationSetLimit(1);
        world.cluster("c-1");
        world.cluster("c-2");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        return world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
    }

    private void undelegate(String name) {
        ResourceRecordSet ns = world.route53.listResourceRecordSets(r -> r.hostedZoneId(world.parentZoneId))
                .resourceRecordSets().stream().filter(set -> set.type() == RRType.NS && set.name().equals(name))
                .findFirst().orElseThrow();
        world.route53.changeResourceRecordSets(r -> r.hostedZoneId(world.parentZoneId).changeBatch(b -> b.changes(
                Change.builder().action(ChangeAction.DELETE).resourceRecordSet(ns).build())));
    }

    private List<String> delegation(String name) {
        return world.route53.listResourceRecordSets(r -> r.hostedZoneId(world.parentZoneId)).resourceRecordSets()
                .stream().filter(set -> set.type() == RRType.NS && set.name().equals(name)).findFirst()
                .map(set -> set.resourceRecords().stream().map(v -> v.value().replaceAll("\\.$", "")).toList())
                .orElse(List.of());
    }

    private List<String> zonesNamed(String name) {
        return world.route53.listHostedZones().hostedZones().stream().filter(z -> z.name().equals(name))
                .map(z -> z.id().replace("/hostedzone/", "")).toList();
    }

    private static String reason(ConsumerRecord<byte[], byte[]> record) {
        var header = record.headers().lastHeader(DeadLetterPublisher.REASON);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
