package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.provisioner.model.ZonePolicyDocument;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.faults.Fault;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Processing stops right after a step took effect but before the service learnt so (the response is lost, again
 * and again, until the instance is shut down); a fresh instance must converge to the same world with no
 * duplicate zone, user, policy version or key.
 */
class CrashConvergenceTest {

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"CreateHostedZone", "ChangeResourceRecordSets", "CreateUser", "PutUserPolicy",
            "CreateAccessKey"})
    void aCrashAfterEachStepConvergesWithoutDuplicates(String step) {
        world.cluster("c-1");
        world.aws.failNext(step, 1_000, Fault.DROP_RESPONSE);
        ProvisionerService crashing = world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", "c-1", ClusterStatus.RUNNING));
        await().atMost(Duration.ofSeconds(30)).until(() -> world.aws.requests(step) >= 1);
        world.stop(crashing);
        world.aws.clearScript();

        world.startService("provisioner-" + world.suffix);
        OrgDnsState state = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);

        assertThat(world.route53.listHostedZonesByName(r -> r.dnsName("acme.example.com.")).hostedZones())
                .filteredOn(z -> z.name().equals("acme.example.com.")).singleElement()
                .satisfies(z -> assertThat(z.id()).endsWith(state.getZoneId()));
        assertThat(world.iam.listUsers().users()).filteredOn(u -> u.userName().equals(state.getIamUserName())).hasSize(1);
        assertThat(world.zonePolicies(state.getIamUserName())).containsExactly(ZonePolicyDocument.forZone(state.getZoneId()));
        var keys = world.iam.listAccessKeys(r -> r.userName(state.getIamUserName())).accessKeyMetadata();
        assertThat(keys).singleElement().satisfies(k -> assertThat(k.accessKeyId()).isEqualTo(state.getAccessKeyId()));
        Map<String, Object> stored = world.vault.read(state.getCredentialsVaultPath()).orElseThrow();
        assertThat(stored).containsEntry("accessKeyId", state.getAccessKeyId());
        world.awaitExternalDns("c-1");
        assertThat(world.deadLetters()).isEmpty();
    }
}
