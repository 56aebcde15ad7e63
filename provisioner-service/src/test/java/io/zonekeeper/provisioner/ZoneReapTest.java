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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.route53.model.NoSuchHostedZoneException;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

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
        world.awaitState("org-1", s -> s.getLastLifecycleOffset() != null && s.getLastLifecycleOffset() == world.lifecyclePosition(stopped).getOffset());
        return stopped;
    }

    @Test
    void reapingTearsEverythingDown() {
        ReadyThenStopped org = readyThenStopped();
        OrgDnsState ready = org.ready();
        var stopped = org.stopped();

        world.aws.resetCounts();
        world.reap("org-1", "acme", ready.getZoneId(), stopped);

        OrgDnsState deleted = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.DELETED);
        assertThat(world.iamCalls()).as("IAM calls of the reap: no listing, the state knows the key")
                .isEqualTo(Map.of("DeleteUserPolicy", 1L, "DeleteAccessKey", 1L, "DeleteUser", 1L));
        assertThatThrownBy(() -> world.route53.getHostedZone(r -> r.id(ready.getZoneId())))
                .isInstanceOf(NoSuchHostedZoneException.class);
        assertThat(world.route53.listResourceRecordSets(r -> r.hostedZoneId(world.parentZoneId)).resourceRecordSets())
                .noneSatisfy(s -> assertThat(s.type() == RRType.NS && s.name().equals("acme.example.com.")).isTrue());
        assertThatThrownBy(() -> world.iam.getUser(r -> r.userName(ready.getIamUserName())))
                .isInstanceOf(NoSuchEntityException.class);
        assertThat(world.vault.read(ready.getCredentialsVaultPath())).isEmpty();
        // The DELETED state stays (compaction keeps it): it carries the generation the next zone continues from.
        assertThat(deleted.getZoneGeneration()).isEqualTo(ready.getZoneGeneration());
        assertThat(deleted.getAccessKeyId()).isNull();
        assertThat(world.readAll(world.orgDnsTopic)).noneMatch(r -> r.value() == null);
        List<ResourceType> deletions = world.audits().stream().filter(a -> a.getAction() == AuditAction.DELETED)
                .map(AuditEvent::getResourceType).toList();
        assertThat(deletions).contains(ResourceType.HOSTED_ZONE, ResourceType.ZONE_DELEGATION, ResourceType.IAM_USER,
                ResourceType.VAULT_SECRET);
        assertThat(deletions.indexOf(ResourceType.IAM_USER)).as("access is revoked before the zone is emptied")
                .isLessThan(deletions.indexOf(ResourceType.HOSTED_ZONE));
    }

    @Test
    void aReplayOfTheLifecycleTopicDoesNotBringBackAReapedZone() {
        ReadyThenStopped org = readyThenStopped();
        world.reap("org-1", "acme", org.ready().getZoneId(), org.stopped());
        OrgDnsState deleted = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.DELETED);
        world.aws.resetCounts();

        // A new consumer group reads the lifecycle topic from the beginning, RUNNING first.
        String group = "replay-" + world.suffix;
        world.startService(group);
        world.awaitQuiet(group);

        assertThat(world.aws.requests("CreateHostedZone")).as("the reaper saw this organization stop; a zone made"
                + " again now would be billed with nothing to reap it").isZero();
        assertThat(world.iamCalls()).isEmpty();
        assertThat(world.orgStates().get("org-1")).isEqualTo(deleted);
    }

    @Test
    void reapingAnOrganizationAnOlderReleaseProvisionedDeletesItsManagedPolicyToo() {
        world.cluster("c-1");
        ProvisionerService first = world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        RecordMetadata stopped = stopAndAwait();
        world.stop(first);
        OrgDnsState state = world.orgStates().get("org-1");
        String managed = world.provisionedByAnOlderRelease(state);

        world.startService("provisioner-" + world.suffix);
        world.reap("org-1", "acme", state.getZoneId(), stopped);

        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.DELETED);
        assertThatThrownBy(() -> world.iam.getUser(r -> r.userName(state.getIamUserName())))
                .isInstanceOf(NoSuchEntityException.class);
        assertThatThrownBy(() -> world.iam.getPolicy(r -> r.policyArn(managed)))
                .isInstanceOf(NoSuchEntityException.class);
        assertThat(world.audits()).filteredOn(a -> a.getAction() == AuditAction.DELETED)
                .extracting(AuditEvent::getResourceId).contains(managed);
    }

    @Test
    void aTeardownRacingAnExternalDnsThatStillWritesDeletesTheZoneAllTheSame() {
        ReadyThenStopped org = readyThenStopped();
        String zoneId = org.ready().getZoneId();
        // An ExternalDNS in a stopped cluster writes a record after every listing of the zone, right before the
        // deletion: twice, to show the teardown lists again for as long as it takes.
        world.aws.beforeNext("DeleteHostedZone", () -> writeRecord(zoneId, "late-1.acme.example.com."));
        world.aws.beforeNext("DeleteHostedZone", () -> writeRecord(zoneId, "late-2.acme.example.com."));

        world.reap("org-1", "acme", zoneId, org.stopped());

        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.DELETED);
        assertThatThrownBy(() -> world.route53.getHostedZone(r -> r.id(zoneId)))
                .isInstanceOf(NoSuchHostedZoneException.class);
        assertThat(world.aws.requests("DeleteHostedZone")).isEqualTo(3);
        assertThat(world.readAll(world.reapTopic + ".dlq")).isEmpty();
    }

    @Test
    void aZoneOfThousandsOfRecordsIsEmptiedInRequestsWithinEveryRoute53Limit() {
        ReadyThenStopped org = readyThenStopped();
        String zoneId = org.ready().getZoneId();
        List<ResourceRecordSet> sets = new ArrayList<>();
        for (int i = 0; i < 1_200; i++) {
            sets.add(set("multi-" + i + ".acme.example.com.", RRType.A, "10.0.0.1", "10.0.0.2", "10.0.0.3",
                    "10.0.0." + (i % 250)));
            sets.add(set("txt-" + i + ".acme.example.com.", RRType.TXT, "\"" + "v".repeat(240) + i + "\""));
        }
        for (int i = 0; i < 600; i++) {
            sets.add(set("alias-" + i + ".acme.example.com.", RRType.CNAME, "web-" + i + ".elsewhere.example.net."));
        }
        for (int from = 0; from < sets.size(); from += 100) {
            List<Change> batch = sets.subList(from, Math.min(sets.size(), from + 100)).stream()
                    .map(s -> Change.builder().action(ChangeAction.CREATE).resourceRecordSet(s).build()).toList();
            world.route53.changeResourceRecordSets(r -> r.hostedZoneId(zoneId).changeBatch(b -> b.changes(batch)));
        }
        // Listed in name order, the zone is three runs: each bound by one limit (the A records by values, the
        // TXT by characters), so the fewest requests are about each run's own fewest.
        long fewest = sets.stream().collect(java.util.stream.Collectors.groupingBy(ResourceRecordSet::type))
                .values().stream().mapToLong(ZoneReapTest::fewestRequests).sum();
        world.aws.resetCounts();

        world.reap("org-1", "acme", zoneId, org.stopped());

        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.DELETED);
        assertThatThrownBy(() -> world.route53.getHostedZone(r -> r.id(zoneId)))
                .isInstanceOf(NoSuchHostedZoneException.class);
        assertThat(world.readAll(world.reapTopic + ".dlq")).isEmpty();
        // One request for the delegation; the records in no more than the fewest requests the limits allow.
        assertThat(world.aws.requests("ChangeResourceRecordSets") - 1).isBetween(fewest - 2, fewest);
    }

    private static long fewestRequests(List<ResourceRecordSet> sets) {
        int values = sets.stream().mapToInt(s -> s.resourceRecords().size()).sum();
        int characters = sets.stream().flatMap(s -> s.resourceRecords().stream()).mapToInt(r -> r.value().length()).sum();
        return Math.max((values + 999) / 1_000, (characters + 31_999) / 32_000);
    }

    private void writeRecord(String zoneId, String name) {
        world.route53.changeResourceRecordSets(r -> r.hostedZoneId(zoneId).changeBatch(b -> b.changes(Change.builder()
                .action(ChangeAction.UPSERT).resourceRecordSet(set(name, RRType.A, "192.0.2.7")).build())));
    }

    private static ResourceRecordSet set(String name, RRType type, String... values) {
        return ResourceRecordSet.builder().name(name).type(type).ttl(60L).resourceRecords(java.util.Arrays.stream(values)
                .map(v -> ResourceRecord.builder().value(v).build()).toList()).build();
    }

    @Test
    void aReapDecidedBeforeTheClusterCameBackIsRefusedAndAudited() {
        world.cluster("c-1");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState ready = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        var stopped = world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.STOPPED));
        var back = world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.awaitState("org-1", s -> s.getLastLifecycleOffset() != null && s.getLastLifecycleOffset() == world.lifecyclePosition(back).getOffset());

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

    /** A command decided at the newest position, wrongly (a reaper bug, a command replayed by hand). */
    @Test
    void aReapOfAnOrganizationWhoseClusterRunsIsRefusedWhateverItsPosition() {
        world.cluster("c-1");
        world.startService("provisioner-" + world.suffix);
        var running = world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState ready = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);

        world.reap("org-1", "acme", ready.getZoneId(), running);

        await().atMost(Duration.ofSeconds(30)).until(() -> world.audits().stream()
                .anyMatch(a -> a.getAction() == AuditAction.REAP_REFUSED));
        assertThat(world.audits()).filteredOn(a -> a.getAction() == AuditAction.REAP_REFUSED).singleElement()
                .satisfies(a -> assertThat(a.getReason()).contains("cluster c-1 of the organization is running"));
        assertThat(world.route53.getHostedZone(r -> r.id(ready.getZoneId())).hostedZone()).isNotNull();
    }

    /**
     * An installation upgraded from a release before the ingress: its states hold positions in the upstream's topic,
     * and on its first start the ingress copies that topic's history into the by-organization topic. An event the
     * reaped organization's state had applied is recognised where the ingress found it and makes nothing; a newer
     * one is applied.
     */
    @Test
    void aStateFromBeforeTheIngressStillRecognisesTheHistoryItApplied() {
        world.cluster("c-1");
        RecordMetadata old = world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.publishState(OrgDnsState.newBuilder().setOrgId("org-1").setOrgName("acme").setBaseDomain("example.com")
                .setStatus(OrgDnsStatus.DELETED).setZoneName("acme.example.com.").setZoneGeneration(1)
                .setClusters(List.of()).setLastLifecyclePartition(old.partition()).setLastLifecycleOffset(old.offset())
                .setLastLifecycleTopic(null).setUpdatedAt(ProvisionerWorld.CLOCK.now()).build());
        world.aws.resetCounts();
        world.startService("provisioner-" + world.suffix);

        world.awaitQuiet("provisioner-" + world.suffix);
        assertThat(world.orgStates().get("org-1").getStatus()).isEqualTo(OrgDnsStatus.DELETED);
        assertThat(world.mutatingAwsCalls()).as("no zone made again for a replayed event").isZero();

        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState ready = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(ready.getLastLifecycleTopic()).isEqualTo(world.ingress.lifecycleByOrg());
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

        world.awaitState("org-1", s -> s.getLastLifecycleOffset() != null && s.getLastLifecycleOffset() == world.lifecyclePosition(back).getOffset());
        await().atMost(Duration.ofSeconds(30)).until(() -> world.audits().stream()
                .anyMatch(a -> a.getAction() == AuditAction.REAP_REFUSED));
        // Judged against the organization's state, so the lifecycle events before it had been applied: had it run
        // first, the organization would have had no zone at all.
        assertThat(world.audits()).filteredOn(a -> a.getAction() == AuditAction.REAP_REFUSED).singleElement()
                .satisfies(a -> assertThat(a.getReason()).contains("is not the organization's current zone"));
        assertThat(world.orgStates().get("org-1").getStatus()).isEqualTo(OrgDnsStatus.READY);
    }

    @Test
    void anOrganizationReapedAgainAndAgainGetsEachNewZoneWithOneCreate() {
        world.cluster("c-1");
        world.startService("provisioner-" + world.suffix);
        List<String> zoneIds = new ArrayList<>();
        for (int generation = 1; generation <= 3; generation++) {
            var running = world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
            OrgDnsState ready = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY
                    && s.getLastLifecycleOffset() == world.lifecyclePosition(running).getOffset());
            assertThat(ready.getZoneGeneration()).isEqualTo(generation);
            zoneIds.add(ready.getZoneId());
            var stopped = stopAndAwait();
            world.reap("org-1", "acme", ready.getZoneId(), stopped);
            world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.DELETED
                    && s.getZoneId().equals(ready.getZoneId()));
        }

        // Route53 accepts a CallerReference once, ever (the proxy enforces it where the emulator does not): a
        // generation forgotten at a reap would cost a refused create per earlier zone, and end at a limit.
        assertThat(world.aws.requests("CreateHostedZone")).isEqualTo(3);
        assertThat(zoneIds).doesNotHaveDuplicates();
        assertThat(world.readAll(world.lifecycleTopic + ".dlq")).isEmpty();
    }

    @Test
    void anOrganizationComingBackAfterItsZoneWasReapedGetsANewZone() {
        world.cluster("c-1");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState first = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        var stopped = stopAndAwait();
        world.reap("org-1", "acme", first.getZoneId(), stopped);
        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.DELETED);

        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));

        OrgDnsState second = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(second.getZoneId()).isNotEqualTo(first.getZoneId());
        assertThat(second.getZoneGeneration()).isEqualTo(first.getZoneGeneration() + 1);
        assertThat(world.route53.listHostedZonesByName(r -> r.dnsName("acme.example.com.")).hostedZones())
                .filteredOn(z -> z.name().equals("acme.example.com.")).hasSize(1);
    }
}
