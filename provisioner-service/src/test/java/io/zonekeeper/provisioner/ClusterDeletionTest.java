package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsStatus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

class ClusterDeletionTest {

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void aDeletedClusterLosesItsExternalDnsAndItsRecordsButNotTheZoneOrOtherClustersRecords() {
        world.cluster("c-1");
        world.cluster("c-2");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-2", ClusterStatus.RUNNING));
        var state = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        // What each cluster's ExternalDNS would have written, in both TXT registry formats.
        world.route53.changeResourceRecordSets(r -> r.hostedZoneId(state.getZoneId()).changeBatch(b -> b.changes(
                create("www.acme.example.com.", RRType.A, "10.0.0.1"),
                create("a-www.acme.example.com.", RRType.TXT, owner("c-1")),
                create("old.acme.example.com.", RRType.CNAME, "lb.example.net"),
                create("old.acme.example.com.", RRType.TXT, owner("c-1")),
                create("api.acme.example.com.", RRType.A, "10.0.0.2"),
                create("a-api.acme.example.com.", RRType.TXT, owner("c-2")))));
        world.awaitExternalDns("c-1");

        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.DELETED));

        await().atMost(Duration.ofSeconds(30)).until(() -> names(state.getZoneId()).stream()
                .noneMatch(n -> n.startsWith("www.") || n.startsWith("old.")));
        assertThat(names(state.getZoneId())).contains("api.acme.example.com.", "a-api.acme.example.com.")
                .doesNotContain("a-www.acme.example.com.");
        try (var admin = world.clusters.get("c-1").adminClient()) {
            assertThat(admin.apps().deployments().inNamespace("external-dns").withName("external-dns").get()).isNull();
            assertThat(admin.secrets().inNamespace("external-dns").list().getItems()).isEmpty();
        }
        assertThat(world.route53.getHostedZone(r -> r.id(state.getZoneId())).hostedZone()).isNotNull();
    }

    @Test
    void aDeletedClusterThatIsAlreadyGoneCountsAsDone() {
        world.cluster("c-1");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
        int before = world.readAll(world.orgDnsTopic).size();
        world.clusters.get("c-1").stop();

        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.DELETED));

        await().atMost(Duration.ofSeconds(60)).until(() -> world.readAll(world.orgDnsTopic).size() > before);
        assertThat(world.deadLetters()).isEmpty();
    }

    private List<String> names(String zoneId) {
        return world.route53.listResourceRecordSets(r -> r.hostedZoneId(zoneId)).resourceRecordSets().stream()
                .map(ResourceRecordSet::name).toList();
    }

    private static String owner(String clusterId) {
        return "\"heritage=external-dns,external-dns/owner=" + clusterId + ",external-dns/resource=service/default/web\"";
    }

    private static Change create(String name, RRType type, String value) {
        return Change.builder().action(ChangeAction.CREATE).resourceRecordSet(ResourceRecordSet.builder().name(name)
                .type(type).ttl(300L).resourceRecords(r -> r.value(value)).build()).build();
    }
}
