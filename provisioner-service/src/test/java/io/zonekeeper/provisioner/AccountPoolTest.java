package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.aws.MotoAccounts;
import io.zonekeeper.testkit.faults.Fault;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A pool of AWS accounts: the provisioner assumes a role in each (STS AssumeRole with the installation's external id,
 * against the emulator, which acts in the role's account with the credentials it returns) and spreads new
 * organizations over them; everything of an organization lives in its account, and only the delegation goes to the
 * parent zone, here in the provisioner's own account. Quotas are per account (the testkit enforces Route53's hosted
 * zones and IAM's users per account, as AWS does).
 */
class AccountPoolTest {

    private static final String A = "210987654321";
    private static final String B = "310987654321";
    private static final String OWN = MotoAccounts.DEFAULT;

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void newOrganizationsAreSpreadOverThePoolAndEachLivesWhollyInItsAccountAtTheSameCallsAsInOne() {
        world.usePool(A, B);
        List.of("c-1", "c-2", "c-3", "c-4", "c-5", "c-6", "c-7").forEach(world::cluster);
        ProvisionerService service = world.startService("provisioner-" + world.suffix);

        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState first = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        world.emit(ProvisionerWorld.event("org-2", "globex", "c-2", ClusterStatus.RUNNING));
        OrgDnsState second = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY);

        // Spread: the second goes where there are fewer zones, the other account.
        assertThat(first.getAwsAccount()).isEqualTo(A);
        assertThat(second.getAwsAccount()).isEqualTo(B);
        assertThat(world.zonesIn(A)).containsExactly("acme.example.com.");
        assertThat(world.zonesIn(B)).containsExactly("globex.example.com.");
        assertThat(world.zonesIn(OWN)).containsExactly("example.com.");
        assertThat(world.usersIn(A)).containsExactly(first.getIamUserName());
        assertThat(world.usersIn(B)).containsExactly(second.getIamUserName());
        assertThat(world.usersIn(OWN)).isEmpty();
        // The delegation is in the parent zone, to the name servers of the zone in the organization's account.
        assertThat(world.delegation("acme.example.com.")).isEqualTo(first.getNameServers().stream().sorted().toList());
        assertThat(world.delegation("globex.example.com.")).isEqualTo(second.getNameServers().stream().sorted().toList());
        // Quotas and calls are counted per account (zk accounts reads these).
        assertThat(service.metrics().find("zonekeeper.aws.quota.used").tag("account", A).tag("quota", "hosted_zones")
                .gauge().value()).isEqualTo(1);
        assertThat(service.metrics().find("zonekeeper.aws.quota.limit").tag("account", B).tag("quota", "iam_users")
                .gauge().value()).isEqualTo(5000);
        assertThat(service.metrics().find("zonekeeper.aws.calls").tag("account", B)
                .tag("operation", "CreateHostedZone").counter().count()).isEqualTo(1);
        // The keys act in their own account: the emulator places each in the account of its organization.
        assertThat(world.accounts.callerOf(first.getAccessKeyId()).account()).isEqualTo(A);
        assertThat(world.accounts.callerOf(second.getAccessKeyId()).account()).isEqualTo(B);

        // Once each account has its delegation set, a new organization costs what it costs in one account.
        world.emit(ProvisionerWorld.event("org-3", "initech", "c-3", ClusterStatus.RUNNING));
        world.emit(ProvisionerWorld.event("org-4", "umbrella", "c-4", ClusterStatus.RUNNING));
        world.awaitState("org-3", s -> s.getStatus() == OrgDnsStatus.READY);
        world.awaitState("org-4", s -> s.getStatus() == OrgDnsStatus.READY);
        world.awaitQuiet("provisioner-" + world.suffix);
        world.aws.resetCounts();
        world.emit(ProvisionerWorld.event("org-5", "hooli", "c-5", ClusterStatus.RUNNING));
        world.emit(ProvisionerWorld.event("org-6", "vandelay", "c-6", ClusterStatus.RUNNING));
        OrgDnsState fifth = world.awaitState("org-5", s -> s.getStatus() == OrgDnsStatus.READY);
        OrgDnsState sixth = world.awaitState("org-6", s -> s.getStatus() == OrgDnsStatus.READY);
        world.awaitQuiet("provisioner-" + world.suffix);
        assertThat(List.of(fifth.getAwsAccount(), sixth.getAwsAccount())).containsExactlyInAnyOrder(A, B);
        assertThat(world.route53CallsByOperation()).as("two new organizations")
                .isEqualTo(Map.of("CreateHostedZone", 2L, "ChangeResourceRecordSets", 2L));
        assertThat(world.iamCalls()).isEqualTo(Map.of("CreateUser", 2L, "PutUserPolicy", 2L, "CreateAccessKey", 2L));

        // Sticky: another cluster of an organization and a reconcile stay in its account, whatever the room.
        world.emit(ProvisionerWorld.event("org-2", "globex", "c-7", ClusterStatus.RUNNING));
        world.awaitState("org-2", s -> s.getClusters().size() == 2);
        world.reconcile("org-2");
        world.awaitQuiet("provisioner-" + world.suffix);
        assertThat(world.orgStates().get("org-2").getAwsAccount()).isEqualTo(B);
        assertThat(world.zonesIn(B)).filteredOn(z -> z.startsWith("globex.")).hasSize(1);
        assertThat(world.deadLetters()).isEmpty();
    }

    @Test
    void anOrganizationNoAccountHasRoomForIsRefusedWithEveryAccountsReasonAndNothingIsMade() {
        world.usePool(A, B);
        world.iamRules.userLimit(A, 1);
        world.iamRules.userLimit(B, 1);
        world.setEnv("QUOTA_REFRESH", "0s");
        List.of("c-1", "c-2", "c-3").forEach(world::cluster);
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.emit(ProvisionerWorld.event("org-2", "globex", "c-2", ClusterStatus.RUNNING));
        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(List.of(world.orgStates().get("org-1").getAwsAccount(), world.orgStates().get("org-2")
                .getAwsAccount())).containsExactlyInAnyOrder(A, B);
        world.aws.resetCounts();

        world.emit(ProvisionerWorld.event("org-3", "initech", "c-3", ClusterStatus.RUNNING));

        OrgDnsState refused = world.awaitState("org-3", s -> s.getStatus() == OrgDnsStatus.FAILED);
        assertThat(refused.getStatusReason()).contains("no room for organization org-3",
                "account " + A + " uses 1 of its 1 IAM users", "account " + B + " uses 1 of its 1 IAM users",
                "add an account to the pool", "nothing was created");
        await().atMost(Duration.ofSeconds(30)).until(() -> world.deadLetters().size() == 1);
        assertThat(reason(world.deadLetters().get(0))).contains("no room for organization org-3");
        assertThat(world.aws.requests("CreateHostedZone")).isZero();
        assertThat(world.aws.requests("CreateUser")).isZero();
        assertThat(world.zonesIn(A)).hasSize(1);
        assertThat(world.zonesIn(B)).hasSize(1);

        // Room in one account again: the operator's reconcile brings the organization up there.
        world.iamRules.userLimit(B, 2);
        world.reconcile("org-3");
        assertThat(world.awaitState("org-3", s -> s.getStatus() == OrgDnsStatus.READY).getAwsAccount()).isEqualTo(B);
    }

    @Test
    void anOrganizationWhoseStateWasLostIsFoundInItsAccountAndNothingIsLeftInAnother() {
        world.usePool(A, B);
        world.cluster("c-1");
        world.cluster("c-2");
        ProvisionerService service = world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState placed = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(placed.getAwsAccount()).isEqualTo(A);
        world.awaitQuiet("provisioner-" + world.suffix);
        world.stop(service);
        // The state is lost (a topic recreated, a tombstone written by hand): the organization looks new, and the
        // emptier account is B.
        world.sendRaw(world.orgDnsTopic, "org-1", null);

        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-2", ClusterStatus.RUNNING));

        OrgDnsState found = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(found.getAwsAccount()).isEqualTo(A);
        assertThat(found.getZoneId()).isEqualTo(placed.getZoneId());
        assertThat(world.zonesIn(A)).containsExactly("acme.example.com.");
        assertThat(world.zonesIn(B)).as("the zone made in B again is deleted").isEmpty();
        assertThat(world.usersIn(B)).isEmpty();
        assertThat(world.usersIn(A)).containsExactly(placed.getIamUserName());
        assertThat(world.delegation("acme.example.com.")).isEqualTo(placed.getNameServers().stream().sorted().toList());
        assertThat(world.audits()).anyMatch(e -> e.getAction() == AuditAction.DELETED && e.getReason() != null
                && e.getReason().contains("in account " + A + " of an earlier attempt serves the name"));
        assertThat(world.deadLetters()).isEmpty();
    }

    @Test
    void aCrashBeforeTheDelegationResumesInTheAccountTheOrganizationWasPlacedIn() {
        world.usePool(A, B);
        world.cluster("c-1");
        // The zone is made in A, then every delegation fails until the instance is stopped.
        world.aws.failNext("ChangeResourceRecordSets", 1_000, Fault.SERVER_ERROR);
        ProvisionerService crashing = world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        await().atMost(Duration.ofSeconds(30)).until(() -> world.aws.requests("ChangeResourceRecordSets") >= 1);
        assertThat(world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.PROVISIONING).getAwsAccount())
                .as("the placement is recorded before anything is made").isEqualTo(A);
        world.stop(crashing);
        world.aws.clearScript();
        assertThat(world.zonesIn(A)).containsExactly("acme.example.com.");

        // A placement made again would pick B, the emptier account, and leave A's zone billed with nothing to reap it.
        world.startService("provisioner-" + world.suffix);
        OrgDnsState ready = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);

        assertThat(ready.getAwsAccount()).isEqualTo(A);
        assertThat(world.zonesIn(A)).containsExactly("acme.example.com.");
        assertThat(world.zonesIn(B)).isEmpty();
        assertThat(world.usersIn(B)).isEmpty();
        assertThat(world.delegation("acme.example.com.")).isEqualTo(ready.getNameServers().stream().sorted().toList());
        assertThat(world.deadLetters()).isEmpty();
    }

    @Test
    void anOrganizationOfANameAnotherHoldsInAnotherAccountNeverTakesItsDelegation() {
        world.usePool(A, B);
        List.of("c-1", "c-2", "c-3").forEach(world::cluster);
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState holder = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(holder.getAwsAccount()).isEqualTo(A);
        List<String> delegated = world.delegation("acme.example.com.");

        // A second organization of the name goes to B, where no zone of the name is: the parent says who has it.
        world.emit(ProvisionerWorld.event("org-2", "acme", "c-2", ClusterStatus.RUNNING));
        OrgDnsState refused = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.FAILED);
        assertThat(refused.getStatusReason()).contains("belongs to another organization", holder.getZoneId(),
                "in account " + A);
        // Again, now from the account its refusal recorded: refused the same way.
        world.emit(ProvisionerWorld.event("org-2", "acme", "c-3", ClusterStatus.RUNNING));
        world.awaitQuiet("provisioner-" + world.suffix);

        assertThat(world.orgStates().get("org-2").getStatus()).isEqualTo(OrgDnsStatus.FAILED);
        assertThat(world.delegation("acme.example.com.")).isEqualTo(delegated);
        assertThat(world.zonesIn(B)).isEmpty();
        assertThat(world.usersIn(B)).isEmpty();
        assertThat(world.deadLetters()).hasSize(2);
    }

    @Test
    void aCrashedAttemptOfANameAnotherHoldsInAnotherAccountIsRefusedNotDelegated() {
        world.usePool(A, B);
        world.cluster("c-1");
        world.cluster("c-2");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState holder = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        world.awaitQuiet("provisioner-" + world.suffix);
        world.stop(world.services().get(0));
        List<String> delegated = world.delegation("acme.example.com.");

        // The second organization of the name gets a zone in B, then the instance stops before any delegation.
        world.aws.failNext("ChangeResourceRecordSets", 1_000, Fault.SERVER_ERROR);
        ProvisionerService crashing = world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-2", "acme", "c-2", ClusterStatus.RUNNING));
        await().atMost(Duration.ofSeconds(30)).until(() -> world.zonesIn(B).contains("acme.example.com.")
                && world.aws.requests("ChangeResourceRecordSets") >= 1);
        world.stop(crashing);
        world.aws.clearScript();

        // Its zone in B is found again; the name is delegated to org-1's zone in A, so it is refused, not taken.
        world.startService("provisioner-" + world.suffix);
        OrgDnsState refused = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.FAILED);
        assertThat(refused.getStatusReason()).contains("belongs to another organization", holder.getZoneId());
        assertThat(world.delegation("acme.example.com.")).isEqualTo(delegated);
        assertThat(world.zonesIn(B)).as("the zone of the stopped attempt is deleted again").isEmpty();
    }

    @Test
    void aKeyIsRotatedInTheOrganizationsAccount() {
        world.usePool(A, B);
        List.of("c-1", "c-2", "c-3").forEach(world::cluster);
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState acme = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        world.emit(ProvisionerWorld.event("org-2", "globex", "c-2", ClusterStatus.RUNNING));
        OrgDnsState globex = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(globex.getAwsAccount()).isEqualTo(B);

        // The stored key no longer matches IAM (a backup restored over it): the next event replaces it, in B.
        world.vault.write(globex.getCredentialsVaultPath(), Map.of("accessKeyId", "AKIARESTOREDFROMBACKUP",
                "secretAccessKey", "not-a-real-secret"));
        world.emit(ProvisionerWorld.event("org-2", "globex", "c-3", ClusterStatus.RUNNING));
        OrgDnsState rotated = world.awaitState("org-2", s -> s.getClusters().size() == 2
                && !s.getAccessKeyId().equals(globex.getAccessKeyId()));
        world.awaitQuiet("provisioner-" + world.suffix);

        assertThat(world.accounts.callerOf(rotated.getAccessKeyId()).account()).isEqualTo(B);
        try (var inB = world.accounts.iam(B); var inA = world.accounts.iam(A)) {
            assertThat(inB.listAccessKeys(r -> r.userName(rotated.getIamUserName())).accessKeyMetadata())
                    .as("the new key alone: the old one went once both clusters had the new one")
                    .extracting(k -> k.accessKeyId()).containsExactly(rotated.getAccessKeyId());
            assertThat(inA.listAccessKeys(r -> r.userName(acme.getIamUserName())).accessKeyMetadata())
                    .extracting(k -> k.accessKeyId()).containsExactly(acme.getAccessKeyId());
        }
        assertThat(world.keyInCluster("c-2")).isEqualTo(rotated.getAccessKeyId());
        assertThat(world.usersIn(A)).containsExactly(acme.getIamUserName());
    }

    @Test
    void theParentZoneMayLiveInAnAccountOfThePool() {
        world.usePool(A, B);
        String parentInA;
        try (var inA = world.accounts.route53(A)) {
            parentInA = inA.createHostedZone(r -> r.name(ProvisionerWorld.BASE_DOMAIN + ".").callerReference("parent"))
                    .hostedZone().id().replace("/hostedzone/", "");
        }
        world.setEnv(ProvisionerConfig.PARENT_ZONE_ID.name(), parentInA);
        world.setEnv(ProvisionerConfig.PARENT_ZONE_ACCOUNT.name(), A);
        world.cluster("c-1");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));

        OrgDnsState acme = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(acme.getAwsAccount()).as("A holds the parent zone already: B has fewer zones").isEqualTo(B);
        try (var inA = world.accounts.route53(A)) {
            assertThat(inA.listResourceRecordSets(r -> r.hostedZoneId(parentInA)).resourceRecordSets())
                    .filteredOn(set -> set.name().equals("acme.example.com.")).singleElement()
                    .satisfies(set -> assertThat(set.resourceRecords()).extracting(v -> v.value().replaceAll("\\.$", ""))
                            .containsExactlyInAnyOrderElementsOf(acme.getNameServers()));
        }
        assertThat(world.delegation("acme.example.com.")).as("nothing in the own account's zone of the name")
                .isEmpty();
    }

    @Test
    void eachAccountsExternalDnsArePacedToThatAccountsBucket() {
        world.usePool(A, B);
        // A fleet share of 0.1 requests/s: five instances polling every minute fit, six do not (ExternalDnsFleetTest).
        world.setEnv("ROUTE53_RATE_PER_SECOND", "1");
        world.setEnv("EXTERNAL_DNS_ROUTE53_SHARE", "0.1");
        world.setEnv("EXTERNAL_DNS_FLEET_SCAN", "1s");
        List<String> acme = List.of("a-1", "a-2", "a-3", "a-4", "a-5", "a-6");
        List<String> globex = List.of("g-1", "g-2");
        acme.forEach(world::cluster);
        globex.forEach(world::cluster);
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "a-1", ClusterStatus.RUNNING));
        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        world.emit(ProvisionerWorld.event("org-2", "globex", "g-1", ClusterStatus.RUNNING));
        world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY);
        acme.stream().skip(1).forEach(c -> world.emit(ProvisionerWorld.event("org-1", "acme", c, ClusterStatus.RUNNING)));
        world.emit(ProvisionerWorld.event("org-2", "globex", "g-2", ClusterStatus.RUNNING));

        // Six clusters poll A's bucket: a longer interval there. B's two keep the shortest.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(world.orgStates().get("org-1").getClusters()).hasSize(6)
                    .extracting(c -> c.getExternalDnsIntervalSeconds()).containsOnly(120);
            assertThat(world.orgStates().get("org-2").getClusters()).hasSize(2)
                    .extracting(c -> c.getExternalDnsIntervalSeconds()).containsOnly(60);
        });
        assertThat(world.orgStates().get("org-1").getAwsAccount()).isEqualTo(A);
        assertThat(world.orgStates().get("org-2").getAwsAccount()).isEqualTo(B);
    }

    @Test
    void aReapTearsDownInTheOrganizationsAccountAndLeavesTheOthersAlone() {
        world.usePool(A, B);
        world.cluster("c-1");
        world.cluster("c-2");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.emit(ProvisionerWorld.event("org-2", "globex", "c-2", ClusterStatus.RUNNING));
        OrgDnsState acme = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        OrgDnsState globex = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY);
        String acmeAccount = acme.getAwsAccount();
        String globexAccount = globex.getAwsAccount();
        assertThat(acmeAccount).isNotEqualTo(globexAccount);

        RecordMetadata stopped = world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.STOPPED));
        world.awaitState("org-1", s -> s.getClusters().stream().noneMatch(c -> c.getRunning()));
        world.reap("org-1", "acme", acme.getZoneId(), stopped);

        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.DELETED);
        assertThat(world.zonesIn(acmeAccount)).isEmpty();
        assertThat(world.usersIn(acmeAccount)).isEmpty();
        assertThat(world.delegation("acme.example.com.")).isEmpty();
        assertThat(world.zonesIn(globexAccount)).containsExactly("globex.example.com.");
        assertThat(world.usersIn(globexAccount)).containsExactly(globex.getIamUserName());
        assertThat(world.delegation("globex.example.com.")).isNotEmpty();
        assertThat(world.deadLetters()).isEmpty();
    }

    private static String reason(ConsumerRecord<byte[], byte[]> record) {
        var header = record.headers().lastHeader(DeadLetterPublisher.REASON);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
