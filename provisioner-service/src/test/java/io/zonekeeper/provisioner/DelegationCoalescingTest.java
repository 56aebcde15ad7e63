package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.faults.FaultRates;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.model.RRType;

/** Under a backlog, the parent zone's delegations of many new organizations share ChangeResourceRecordSets calls. */
class DelegationCoalescingTest {

    private static final int ORGS = 16;

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void manyNewOrganizationsAtOnceAreDelegatedInFewerRequestsThanOrganizationsAndAllOfThemAreDelegated() {
        // AWS answering in 200 ms and a create bucket that lets the workers create zones together: their
        // delegations arrive while one is in flight.
        world.setEnv("ROUTE53_CREATE_ZONE_RATE_PER_SECOND", "100");
        world.setEnv("ROUTE53_RATE_PER_SECOND", "1000");
        world.setEnv("ROUTE53_BURST", "1000");
        for (int o = 0; o < ORGS; o++) {
            world.cluster("c-" + o);
        }
        world.cluster("c-first");
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-first", "first", "c-first", ClusterStatus.RUNNING));
        world.awaitState("org-first", s -> s.getStatus() == OrgDnsStatus.READY);
        world.aws.rates(new FaultRates(0, 0, 0, 0, Duration.ofMillis(200)));
        world.aws.resetCounts();

        for (int o = 0; o < ORGS; o++) {
            world.emit(ProvisionerWorld.event("org-" + o, "org" + o, "c-" + o, ClusterStatus.RUNNING));
        }
        for (int o = 0; o < ORGS; o++) {
            OrgDnsState ready = world.awaitState("org-" + o, s -> s.getStatus() == OrgDnsStatus.READY);
            String name = ready.getZoneName();
            assertThat(world.route53.listResourceRecordSets(r -> r.hostedZoneId(world.parentZoneId)
                    .startRecordName(name).startRecordType(RRType.NS).maxItems("1")).resourceRecordSets())
                    .as("delegated: " + name).singleElement().satisfies(set -> {
                        assertThat(set.name()).isEqualTo(name);
                        assertThat(set.resourceRecords()).hasSize(ready.getNameServers().size());
                    });
        }
        long requests = world.route53CallsByOperation().getOrDefault("ChangeResourceRecordSets", 0L);
        System.out.println("delegations of " + ORGS + " new organizations in " + requests + " requests");
        assertThat(requests).isLessThan(ORGS / 2);
        assertThat(world.route53CallsByOperation().get("CreateHostedZone")).isEqualTo(ORGS);
        assertThat(world.deadLetters()).isEmpty();
    }
}
