package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.provisioner.model.ZonePolicyDocument;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.model.RRType;

class OrganizationProvisioningTest {

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void firstClusterGetsZoneDelegationPolicyUserKeyAndExternalDns() {
        world.cluster("c-1");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));

        OrgDnsState state = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(state.getZoneName()).isEqualTo("acme.example.com.");
        assertThat(state.getZoneGeneration()).isEqualTo(1);
        assertThat(state.getZoneCreatedAt()).isNotNull();
        assertThat(state.getNameServers()).isNotEmpty();

        // the zone, its owner in its comment (no tagging call)
        var zone = world.route53.getHostedZone(r -> r.id(state.getZoneId()));
        assertThat(zone.hostedZone().name()).isEqualTo("acme.example.com.");
        assertThat(zone.hostedZone().config().comment()).isEqualTo("Managed by Zonekeeper for organization org-1");
        // delegated from the parent
        var delegation = world.route53.listResourceRecordSets(r -> r.hostedZoneId(world.parentZoneId))
                .resourceRecordSets().stream()
                .filter(s -> s.type() == RRType.NS && s.name().equals("acme.example.com.")).findFirst().orElseThrow();
        assertThat(delegation.resourceRecords()).extracting(rr -> rr.value().replaceAll("\\.$", ""))
                .containsExactlyInAnyOrderElementsOf(state.getNameServers().stream()
                        .map(ns -> ns.replaceAll("\\.$", "")).toList());
        // the user's inline policy, exactly, and no managed one
        assertThat(world.zonePolicies(state.getIamUserName()))
                .containsExactly(ZonePolicyDocument.forZone(state.getZoneId()));
        assertThat(world.iam.listAttachedUserPolicies(r -> r.userName(state.getIamUserName())).attachedPolicies())
                .isEmpty();
        assertThat(state.getPolicyArn()).isNull();
        // the user's one key, whose secret is in Vault and nowhere in Kafka
        assertThat(world.iam.listAccessKeys(r -> r.userName(state.getIamUserName())).accessKeyMetadata())
                .singleElement().satisfies(k -> assertThat(k.accessKeyId()).isEqualTo(state.getAccessKeyId()));
        Map<String, Object> stored = world.vault.read(state.getCredentialsVaultPath()).orElseThrow();
        assertThat(stored).containsEntry("accessKeyId", state.getAccessKeyId());
        String secret = (String) stored.get("secretAccessKey");
        assertThat(secret).isNotBlank();
        assertThat(world.readAll(world.orgDnsTopic)).allSatisfy(r -> assertThat(new String(r.value(),
                StandardCharsets.ISO_8859_1)).doesNotContain(secret));
        assertThat(world.readAll(world.auditTopic)).allSatisfy(r -> assertThat(new String(r.value(),
                StandardCharsets.ISO_8859_1)).doesNotContain(secret));

        // in the cluster: the credentials Secret and ExternalDNS scoped to the zone, owned by the cluster
        try (var admin = world.clusters.get("c-1").adminClient()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.apps().deployments().inNamespace("external-dns")
                    .withName("external-dns").get() != null);
            var credentials = admin.secrets().inNamespace("external-dns")
                    .withName(ExternalDnsManifests.SECRET_NAME).get();
            assertThat(new String(Base64.getDecoder().decode(credentials.getData().get("credentials")),
                    StandardCharsets.UTF_8)).contains(state.getAccessKeyId()).contains(secret);
            Deployment deployment = admin.apps().deployments().inNamespace("external-dns").withName("external-dns").get();
            assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).contains(
                    "--domain-filter=acme.example.com", "--zone-id-filter=" + state.getZoneId(), "--txt-owner-id=c-1",
                    "--policy=sync");
            assertThat(admin.rbac().clusterRoles().withName(ExternalDnsManifests.CLUSTER_ROLE).get()).isNotNull();
            assertThat(admin.rbac().clusterRoleBindings().withName(ExternalDnsManifests.CLUSTER_ROLE).get()).isNotNull();
            assertThat(admin.serviceAccounts().inNamespace("external-dns").withName("external-dns").get()).isNotNull();
        }

        // one audit event per mutation, each naming the triggering event
        await().atMost(Duration.ofSeconds(10)).until(() -> world.audits().size() >= 9);
        assertThat(world.audits()).extracting(AuditEvent::getResourceType).contains(ResourceType.HOSTED_ZONE,
                ResourceType.ZONE_DELEGATION, ResourceType.IAM_POLICY, ResourceType.IAM_USER, ResourceType.ACCESS_KEY,
                ResourceType.VAULT_SECRET, ResourceType.KUBERNETES_SECRET, ResourceType.EXTERNAL_DNS);
        assertThat(world.audits()).allSatisfy(a -> assertThat(a.getCauseEventId()).isNotNull());
    }

    @Test
    void aNewOrganizationCostsTwoRoute53CallsAndThreeIamCalls() {
        world.cluster("c-1");
        world.cluster("c-2");
        world.startService("provisioner-" + world.suffix);
        // The first zone also finds or makes the installation's delegation set, once.
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        world.aws.resetCounts();

        world.emit(ProvisionerWorld.event("org-2", "globex", "c-2", ClusterStatus.RUNNING));
        world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY);

        assertThat(world.route53CallsByOperation())
                .isEqualTo(Map.of("CreateHostedZone", 1L, "ChangeResourceRecordSets", 1L));
        assertThat(world.iamCalls()).isEqualTo(Map.of("CreateUser", 1L, "PutUserPolicy", 1L, "CreateAccessKey", 1L));
    }

    @Test
    void aSecondClusterOfTheOrganizationMakesNoRoute53CallAndGetsItsOwnOwnerId() {
        world.cluster("c-1");
        world.cluster("c-2");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState state = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        world.aws.resetCounts();

        world.emit(ProvisionerWorld.event("org-1", "acme", "c-2", ClusterStatus.PROVISIONING));

        assertThat(world.awaitExternalDns("c-2").getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                .contains("--txt-owner-id=c-2", "--zone-id-filter=" + state.getZoneId());
        assertThat(world.route53Calls()).isZero();
        assertThat(world.aws.requestCounts()).isEmpty();
    }

    @Test
    void replayingTheWholeTopicTwiceMakesNoMutatingCallAnywhere() {
        world.cluster("c-1");
        world.cluster("c-2");
        world.cluster("c-3");
        ProvisionerService first = world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-2", ClusterStatus.RUNNING));
        world.emit(ProvisionerWorld.event("org-2", "globex", "c-3", ClusterStatus.PROVISIONING));
        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY);
        awaitDeployments("c-1", "c-2", "c-3");
        world.stop(first);
        int auditsBefore = world.audits().size();
        Map<String, Integer> vaultVersions = Map.of(
                "org-1", world.vault.currentVersion(world.orgStates().get("org-1").getCredentialsVaultPath()),
                "org-2", world.vault.currentVersion(world.orgStates().get("org-2").getCredentialsVaultPath()));
        world.aws.resetCounts();
        world.vault.resetCounts();
        world.clusters.values().forEach(c -> c.resetCounts());

        for (int replay = 1; replay <= 2; replay++) {
            // A new consumer group reads the lifecycle topic from the beginning: a full replay.
            ProvisionerService replaying = world.startService("replay-" + replay + "-" + world.suffix);
            awaitLifecycleEventsApplied(3 * (replay + 1));
            world.stop(replaying);
        }

        assertThat(world.mutatingAwsCalls()).as("AWS: %s", world.aws.requestCounts()).isZero();
        assertThat(world.route53Calls()).isZero();
        assertThat(world.vault.mutatingRequests()).isZero();
        world.clusters.values().forEach(c -> assertThat(c.mutatingRequests()).as(c.name()).isZero());
        assertThat(world.vault.currentVersion(world.orgStates().get("org-1").getCredentialsVaultPath()))
                .isEqualTo(vaultVersions.get("org-1"));
        assertThat(world.vault.currentVersion(world.orgStates().get("org-2").getCredentialsVaultPath()))
                .isEqualTo(vaultVersions.get("org-2"));
        assertThat(world.audits()).hasSize(auditsBefore);
        assertThat(world.iam.listAccessKeys(r -> r.userName(world.orgStates().get("org-1").getIamUserName()))
                .accessKeyMetadata()).hasSize(1);
    }

    private void awaitDeployments(String... clusterIds) {
        for (String id : clusterIds) {
            world.awaitExternalDns(id);
        }
    }

    /** Every lifecycle event publishes the organization's state with its position: count those records. */
    private void awaitLifecycleEventsApplied(int stateRecords) {
        await().atMost(Duration.ofSeconds(60)).until(() -> world.readAll(world.orgDnsTopic).size() >= stateRecords);
    }

}
