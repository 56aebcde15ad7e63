package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The account's quotas: read, published as metrics, and a new organization they have no room for refused whole. */
class AccountQuotaTest {

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void aNewOrganizationTheAccountHasNoRoomForIsRefusedBeforeAnythingIsMadeAndProceedsOnceThereIsRoom() {
        world.cluster("c-1");
        world.cluster("c-2");
        world.setEnv("QUOTA_REFRESH", "0s");
        // Room for the parent zone and one organization's.
        world.route53Rules.hostedZoneLimit(2);
        ProvisionerService service = world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        world.aws.resetCounts();

        world.emit(ProvisionerWorld.event("org-2", "globex", "c-2", ClusterStatus.RUNNING));

        OrgDnsState refused = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.FAILED);
        assertThat(refused.getStatusReason()).contains("no room for organization org-2", "2 of its 2 Route53 hosted"
                + " zones", "nothing was created");
        await().atMost(Duration.ofSeconds(30)).until(() -> world.deadLetters().size() == 1);
        assertThat(reason(world.deadLetters().get(0))).contains("no room for organization org-2");
        await().atMost(Duration.ofSeconds(30)).until(() -> world.audits().stream().anyMatch(e ->
                e.getAction() == AuditAction.REJECTED && "org-2".equals(e.getOrgId())));
        assertThat(world.aws.requests("CreateHostedZone")).as("refused before the create").isZero();
        assertThat(world.aws.requests("CreateUser")).isZero();
        assertThat(gauge(service, "zonekeeper.aws.quota.used", "hosted_zones")).isEqualTo(2);
        assertThat(gauge(service, "zonekeeper.aws.quota.limit", "hosted_zones")).isEqualTo(2);
        assertThat(gauge(service, "zonekeeper.aws.quota.used", "iam_users")).isEqualTo(1);
        assertThat(gauge(service, "zonekeeper.aws.quota.limit", "iam_users")).isPositive();
        assertThat(gauge(service, "zonekeeper.aws.quota.used", "delegation_sets")).as("the pool's one set")
                .isEqualTo(1);
        assertThat(gauge(service, "zonekeeper.aws.quota.limit", "delegation_sets")).isEqualTo(100);

        // The quota is raised; the operator's reconcile brings the organization up.
        world.route53Rules.hostedZoneLimit(3);
        world.reconcile("org-2");
        assertThat(world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY).getZoneName())
                .isEqualTo("globex.example.com.");
    }

    @Test
    void anAccountThatFillsUpBetweenReadsIsCaughtByRoute53sRefusalAndNothingIsHalfBuilt() {
        world.cluster("c-1");
        world.cluster("c-2");
        world.setEnv("QUOTA_REFRESH", "1h");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        // Someone else fills the account after the service read the quota.
        world.route53Rules.hostedZoneLimit(2);
        world.aws.resetCounts();

        world.emit(ProvisionerWorld.event("org-2", "globex", "c-2", ClusterStatus.RUNNING));

        OrgDnsState refused = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.FAILED);
        assertThat(refused.getStatusReason()).contains("no room for zone globex.example.com.", "quota");
        assertThat(world.aws.requests("CreateHostedZone")).isEqualTo(1);
        assertThat(world.aws.requests("CreateUser")).as("nothing after the zone").isZero();
        assertThat(world.route53.listHostedZones().hostedZones()).noneMatch(z -> z.name().startsWith("globex."));
    }

    private static double gauge(ProvisionerService service, String name, String quota) {
        return service.metrics().find(name).tag("quota", quota).gauge().value();
    }

    private static String reason(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record) {
        var header = record.headers().lastHeader(DeadLetterPublisher.REASON);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
