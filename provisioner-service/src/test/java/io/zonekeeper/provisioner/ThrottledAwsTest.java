package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.faults.FaultRates;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ThrottledAwsTest {

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void withThirtyPercentThrottlingAndFivePercentServerErrorsEveryEventCompletesAndNothingIsDeadLettered() {
        world.aws.rates(new FaultRates(0.30, 0, 0.05, 0, Duration.ZERO));
        for (int i = 1; i <= 6; i++) {
            world.cluster("c-" + i);
        }
        world.startService("provisioner-" + world.suffix);
        for (int i = 1; i <= 6; i++) {
            world.emit(ProvisionerWorld.event("org-" + i, "org" + i, "c-" + i, ClusterStatus.RUNNING));
        }

        for (int i = 1; i <= 6; i++) {
            var state = world.awaitState("org-" + i, s -> s.getStatus() == OrgDnsStatus.READY);
            assertThat(world.iam.listAccessKeys(r -> r.userName(state.getIamUserName())).accessKeyMetadata())
                    .as("exactly one key despite retries").hasSize(1);
        }
        assertThat(world.route53.listHostedZones().hostedZones()).hasSize(7);
        assertThat(world.aws.faultCounts().values().stream().mapToLong(Long::longValue).sum())
                .as("faults were injected").isGreaterThan(10);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .until(() -> world.deadLetters().isEmpty());
    }
}
