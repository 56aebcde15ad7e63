package io.zonekeeper.provisioner.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.testkit.aws.MotoServer;
import io.zonekeeper.testkit.faults.FaultProxy;
import io.zonekeeper.testkit.faults.IamEnforcement;
import io.zonekeeper.testkit.faults.Route53Enforcement;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.route53.Route53Client;

/**
 * An account's quotas against the emulator behind the testkit's Route53 and IAM rules: a read in the middle of a
 * burst of new organizations, whose zones and users do not exist yet, must not hand their places out again.
 */
class AccountQuotasTest {

    private final MotoServer moto = MotoServer.shared();
    private final FaultProxy proxy = FaultProxy.start(moto.endpoint(), 1);
    private final Route53Enforcement route53Rules = new Route53Enforcement(moto.endpoint(), MotoServer.ACCESS_KEY_ID,
            MotoServer.SECRET_ACCESS_KEY);
    private final IamEnforcement iamRules = new IamEnforcement(moto.endpoint(), MotoServer.ACCESS_KEY_ID,
            MotoServer.SECRET_ACCESS_KEY);
    private final StaticCredentialsProvider admin = StaticCredentialsProvider.create(AwsBasicCredentials.create(
            MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY));
    private final Route53Client route53 = Route53Client.builder().region(Region.AWS_GLOBAL)
            .endpointOverride(proxy.endpoint()).credentialsProvider(admin).build();
    private final IamClient iam = IamClient.builder().region(Region.AWS_GLOBAL).endpointOverride(proxy.endpoint())
            .credentialsProvider(admin).build();

    AccountQuotasTest() {
        moto.reset();
        proxy.enforce(route53Rules);
        proxy.enforce(iamRules);
    }

    @AfterEach
    void close() {
        route53.close();
        iam.close();
        route53Rules.close();
        iamRules.close();
        proxy.close();
    }

    @Test
    void organizationsBeingBuiltCountAsUsedInEveryReadUntilTheySettle() {
        iamRules.userLimit(2);
        // Read before every claim, the way a burst meets the end of a refresh period.
        AccountQuotas quotas = new AccountQuotas("own", route53, iam, Clock.systemUTC(), Duration.ZERO, 0,
                new SimpleMeterRegistry());

        assertThat(quotas.claimRoomForNewOrganization()).isEmpty();
        assertThat(quotas.claimRoomForNewOrganization()).as("the first is still being built").isEmpty();
        assertThat(quotas.claimRoomForNewOrganization()).as("two being built fill two places")
                .hasValueSatisfying(full -> assertThat(full.quota().name()).contains("IAM users"));

        // The first is built: its user now shows in the read, and is no longer counted twice.
        iam.createUser(r -> r.userName("first"));
        quotas.settled();
        assertThat(quotas.claimRoomForNewOrganization()).as("one user and one being built").isPresent();
        assertThat(quotas.iamUsers().used()).isEqualTo(2);
        // The second was refused after all (nothing made): its place is free again.
        quotas.settled();
        assertThat(quotas.claimRoomForNewOrganization()).isEmpty();
    }
}
