package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The organization's state cannot be published after the event's effects are applied (its topic is gone from the
 * cluster, so the producer gives up waiting for it): the event is retried, not dead-lettered, and once the topic is
 * back the world is what one clean pass would have made.
 */
class StatePublishFailureTest {

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void aStateThatCouldNotBePublishedAfterTheEffectsIsRetriedUntilItIsWithNothingDuplicatedOrDeadLettered()
            throws Exception {
        world.cluster("c-1");
        // The producer gives up waiting for a topic after 3 s instead of a minute, so the failure surfaces quickly.
        world.setEnv("KAFKA_CLIENT_MAX_BLOCK_MS", "3000");
        ProvisionerService service = world.startService("provisioner-" + world.suffix);
        try (var admin = world.clients.admin()) {
            admin.deleteTopics(List.of(world.orgDnsTopic)).all().get();
        }
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));

        // Every effect is applied, and the state publish that follows them fails, twice or more.
        await().atMost(Duration.ofSeconds(60)).until(() -> retried(service) >= 2);
        assertThat(world.orgStates()).doesNotContainKey("org-1");
        assertThat(zonesOfAcme()).isEqualTo(1);
        world.awaitExternalDns("c-1");

        world.kafka.createTopic(world.orgDnsTopic, 3, true);
        OrgDnsState state = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);

        // The retries found what the first attempt made: one zone, one user, one key, the one Vault holds. With no
        // state, each retry creates without looking, and the creates Route53 and IAM refuse say what exists.
        assertThat(zonesOfAcme()).isEqualTo(1);
        assertThat(world.iam.listUsers().users()).singleElement()
                .satisfies(u -> assertThat(u.userName()).isEqualTo(state.getIamUserName()));
        assertThat(world.aws.requests("CreateAccessKey")).isEqualTo(1);
        var keys = world.iam.listAccessKeys(r -> r.userName(state.getIamUserName())).accessKeyMetadata();
        assertThat(keys).singleElement().satisfies(k -> assertThat(k.accessKeyId()).isEqualTo(state.getAccessKeyId()));
        Map<String, Object> stored = world.vault.read(state.getCredentialsVaultPath()).orElseThrow();
        assertThat(stored).containsEntry("accessKeyId", state.getAccessKeyId());
        assertThat(world.keyInCluster("c-1")).isEqualTo(state.getAccessKeyId());
        List<AuditEvent> created = world.audits().stream()
                .filter(a -> a.getAction() == AuditAction.CREATED && a.getResourceType() == ResourceType.HOSTED_ZONE)
                .toList();
        assertThat(created).hasSize(1);
        assertThat(world.audits()).filteredOn(a -> a.getAction() == AuditAction.CREATED
                && a.getResourceType() == ResourceType.IAM_USER).hasSize(1);
        assertThat(world.deadLetters()).isEmpty();
    }

    private long zonesOfAcme() {
        return world.route53.listHostedZones().hostedZones().stream()
                .filter(z -> z.name().equals("acme.example.com.")).count();
    }

    private double retried(ProvisionerService service) {
        var counter = service.metrics().find("zonekeeper.records.processed").tag("outcome", "retried").counter();
        return counter == null ? 0 : counter.count();
    }
}
