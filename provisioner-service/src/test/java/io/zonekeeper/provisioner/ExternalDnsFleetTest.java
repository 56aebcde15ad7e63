package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgAction;
import io.zonekeeper.schemas.OrgCluster;
import io.zonekeeper.schemas.OrgCommand;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fleet's Route53 share: a fleet that outgrows it at its interval is re-rolled to a longer one, by each
 * organization's own writer, once, with no AWS call, and the audit trail says why.
 */
class ExternalDnsFleetTest {

    private static final Duration SETTLE = Duration.ofSeconds(60);

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void aFleetThatOutgrowsItsShareIsReRolledToTheNextIntervalOnceAndWithoutAwsCalls() {
        // A share of 0.1 requests/s: five instances polling every minute fit (0.083/s), six do not (0.100/s and the
        // zone listings).
        world.setEnv("ROUTE53_RATE_PER_SECOND", "1");
        world.setEnv("EXTERNAL_DNS_ROUTE53_SHARE", "0.1");
        world.setEnv("EXTERNAL_DNS_FLEET_SCAN", "1s");
        List<String> acme = List.of("a-1", "a-2", "a-3");
        List<String> globex = List.of("g-1", "g-2", "g-3");
        acme.forEach(world::cluster);
        globex.forEach(world::cluster);
        world.startService("provisioner-" + world.suffix);
        acme.forEach(c -> world.emit(ProvisionerWorld.event("org-1", "acme", c, ClusterStatus.RUNNING)));
        world.emit(ProvisionerWorld.event("org-2", "globex", "g-1", ClusterStatus.RUNNING));
        world.emit(ProvisionerWorld.event("org-2", "globex", "g-2", ClusterStatus.RUNNING));
        world.awaitState("org-1", s -> s.getClusters().size() == 3);
        world.awaitState("org-2", s -> s.getClusters().size() == 2);
        assertThat(intervalsInClusters(acme)).containsOnly("--interval=60s");
        world.aws.resetCounts();

        world.emit(ProvisionerWorld.event("org-2", "globex", "g-3", ClusterStatus.RUNNING));

        await().atMost(SETTLE).untilAsserted(() -> {
            assertThat(world.orgStates().values()).flatExtracting(s -> s.getClusters())
                    .extracting(OrgCluster::getExternalDnsIntervalSeconds).hasSize(6).containsOnly(120);
            assertThat(intervalsInClusters(acme)).containsOnly("--interval=120s");
            assertThat(intervalsInClusters(globex)).containsOnly("--interval=120s");
        });
        assertThat(world.route53Calls()).as("a re-roll touches Kubernetes only").isZero();
        assertThat(world.aws.requestCounts()).isEmpty();

        List<AuditEvent> fleet = world.audits().stream().filter(a -> a.getResourceType() == ResourceType.EXTERNAL_DNS
                && a.getResourceId().equals("fleet")).toList();
        assertThat(fleet).singleElement().satisfies(a -> {
            assertThat(a.getDetails()).containsEntry("intervalSeconds", "120").containsEntry("runningClusters", "6");
            assertThat(a.getReason()).contains("6 running ExternalDNS poll Route53 at 0.10", "share of 0.10/s",
                    "the interval is now 120s");
        });
        // One command per organization, on its own partition, from the instance that owns it.
        assertThat(rollCommands()).extracting(OrgCommand::getOrgId).containsExactlyInAnyOrder("org-1", "org-2");
        assertThat(world.deadLetters()).isEmpty();
        assertThat(world.readAll(world.orgCommandsTopic + ".dlq")).isEmpty();

        // Another cluster joins the grown fleet: it gets the fleet's interval at once, and nothing is re-rolled.
        world.cluster("a-4");
        world.emit(ProvisionerWorld.event("org-1", "acme", "a-4", ClusterStatus.RUNNING));
        world.awaitState("org-1", s -> s.getClusters().size() == 4);
        assertThat(intervalsInClusters(List.of("a-4"))).containsOnly("--interval=120s");
        world.awaitQuiet("provisioner-" + world.suffix);
        assertThat(rollCommands()).hasSize(2);
        assertThat(world.orgStates().get("org-1").getStatus()).isEqualTo(OrgDnsStatus.READY);
    }

    private List<String> intervalsInClusters(List<String> clusterIds) {
        return clusterIds.stream().map(c -> world.awaitExternalDns(c).getSpec().getTemplate().getSpec()
                .getContainers().get(0).getArgs().stream().filter(a -> a.startsWith("--interval=")).findFirst()
                .orElseThrow()).toList();
    }

    private List<OrgCommand> rollCommands() {
        var deserializer = new AvroDeserializer<>(OrgCommand.class, world.registry);
        return world.readAll(world.orgCommandsTopic).stream()
                .map(r -> deserializer.deserialize(r.topic(), r.value()))
                .filter(c -> c.getAction() == OrgAction.ROLL_EXTERNAL_DNS).toList();
    }
}
