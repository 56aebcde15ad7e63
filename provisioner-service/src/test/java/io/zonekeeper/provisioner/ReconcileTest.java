package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.provisioner.model.OrgNaming;
import io.zonekeeper.provisioner.model.ZonePolicyDocument;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.AuditOutcome;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.RRType;

/** zk reconcile: drift someone caused by hand is found and repaired, and the repair is audited. */
class ReconcileTest {

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void reconcileRestoresADeletedDelegationAndADeletedPolicy() {
        world.cluster("c-1");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState ready = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);

        // Someone deletes the delegation and the user's policy by hand.
        var ns = world.route53.listResourceRecordSets(r -> r.hostedZoneId(world.parentZoneId)).resourceRecordSets()
                .stream().filter(r -> r.type() == RRType.NS && r.name().equals(ready.getZoneName())).findFirst()
                .orElseThrow();
        world.route53.changeResourceRecordSets(r -> r.hostedZoneId(world.parentZoneId).changeBatch(b -> b.changes(
                Change.builder().action(ChangeAction.DELETE).resourceRecordSet(ns).build())));
        world.iam.deleteUserPolicy(r -> r.userName(ready.getIamUserName()).policyName(OrgNaming.ZONE_POLICY_NAME));

        String command = world.reconcile("org-1");

        await().atMost(Duration.ofSeconds(60)).until(() -> repairs(command).size() == 2);
        assertThat(repairs(command)).extracting(AuditEvent::getResourceType)
                .containsExactlyInAnyOrder(ResourceType.ZONE_DELEGATION, ResourceType.IAM_POLICY);
        assertThat(world.route53.listResourceRecordSets(r -> r.hostedZoneId(world.parentZoneId)).resourceRecordSets())
                .anySatisfy(r -> assertThat(r.name()).isEqualTo(ready.getZoneName()));
        assertThat(world.zonePolicies(ready.getIamUserName()))
                .containsExactly(ZonePolicyDocument.forZone(ready.getZoneId()));
        assertThat(world.orgStates().get("org-1").getAccessKeyId()).as("the key was fine: kept")
                .isEqualTo(ready.getAccessKeyId());
    }

    @Test
    void reconcileReplacesAPolicyThatGrantsMoreThanTheOrganizationsOwnZone() {
        world.cluster("c-1");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState ready = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);

        // Someone widens the policy by hand, or an older release granted more: same zone, more rights.
        String widened = ZonePolicyDocument.forZone(ready.getZoneId())
                .replace("hostedzone/" + ready.getZoneId(), "hostedzone/*");
        world.iam.putUserPolicy(r -> r.userName(ready.getIamUserName()).policyName(OrgNaming.ZONE_POLICY_NAME)
                .policyDocument(widened));

        String command = world.reconcile("org-1");

        await().atMost(Duration.ofSeconds(60)).until(() -> repairs(command).size() == 1);
        assertThat(repairs(command)).singleElement().satisfies(a -> {
            assertThat(a.getResourceType()).isEqualTo(ResourceType.IAM_POLICY);
            assertThat(a.getAction()).isEqualTo(AuditAction.UPDATED);
        });
        assertThat(world.zonePolicies(ready.getIamUserName()))
                .containsExactly(ZonePolicyDocument.forZone(ready.getZoneId()));
    }

    @Test
    void reconcileMovesAnOrganizationFromTheManagedPolicyOfAnOlderReleaseToAnInlineOne() {
        world.cluster("c-1");
        ProvisionerService first = world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        OrgDnsState ready = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        world.stop(first);
        String managed = world.provisionedByAnOlderRelease(ready);

        world.startService("provisioner-" + world.suffix);
        String command = world.reconcile("org-1");

        OrgDnsState migrated = world.awaitState("org-1", s -> s.getPolicyArn() == null
                && s.getUpdatedAt().isAfter(ready.getUpdatedAt()));
        assertThat(migrated.getStatus()).isEqualTo(OrgDnsStatus.READY);
        assertThat(world.zonePolicies(ready.getIamUserName()))
                .containsExactly(ZonePolicyDocument.forZone(ready.getZoneId()));
        assertThat(world.iam.listAttachedUserPolicies(r -> r.userName(ready.getIamUserName())).attachedPolicies())
                .isEmpty();
        assertThatThrownBy(() -> world.iam.getPolicy(r -> r.policyArn(managed)))
                .isInstanceOf(NoSuchEntityException.class);
        assertThat(repairs(command)).extracting(a -> a.getResourceType() + " " + a.getAction()).containsExactly(
                "IAM_POLICY CREATED", "IAM_USER UPDATED", "IAM_POLICY DELETED");
        assertThat(migrated.getAccessKeyId()).as("the key is kept").isEqualTo(ready.getAccessKeyId());

        // Migrated once: the next reconcile changes nothing.
        world.awaitQuiet("provisioner-" + world.suffix);
        world.aws.resetCounts();
        world.reconcile("org-1");
        world.awaitQuiet("provisioner-" + world.suffix);
        assertThat(world.aws.requestCounts()).as("the reconcile read IAM").containsKey("iam:GetUserPolicy");
        assertThat(world.mutatingAwsCalls()).isZero();
    }

    @Test
    void reconcilingAnUnknownOrganizationIsRefusedAndAudited() {
        world.startService("provisioner-" + world.suffix);
        world.reconcile("org-404");
        await().atMost(Duration.ofSeconds(30)).until(() -> world.audits().stream().anyMatch(a ->
                a.getOutcome() == AuditOutcome.REFUSED && "org-404".equals(a.getOrgId())));
        assertThat(world.deadLetters()).isEmpty();
    }

    /** The changes the reconcile command made, by the cause its audit events name. */
    private List<AuditEvent> repairs(String commandId) {
        return world.audits().stream().filter(a -> commandId.equals(a.getCauseEventId())
                && a.getOutcome() == AuditOutcome.SUCCEEDED).toList();
    }
}
