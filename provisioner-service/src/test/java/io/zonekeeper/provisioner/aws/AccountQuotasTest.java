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
    void zonesAndUsersStillToComeCountAsUsedInEveryReadUntilTheyAreMade() {
        iamRules.userLimit(2);
        // Read before every claim, the way a burst meets the end of a refresh period.
        AccountQuotas quotas = quotas(Duration.ZERO);

        AccountQuotas.Claim first = quotas.claimRoomForNewOrganization().claim().orElseThrow();
        AccountQuotas.Claim second = quotas.claimRoomForNewOrganization().claim().orElseThrow();
        assertThat(quotas.claimRoomForNewOrganization().full()).as("two users to come fill two places")
                .hasValueSatisfying(full -> assertThat(full.quota().name()).contains("IAM users"));

        // The first one's user is made: the read shows it, and it is not counted twice.
        iam.createUser(r -> r.userName("first"));
        first.userMade();
        assertThat(quotas.claimRoomForNewOrganization().full()).as("one user and one to come").isPresent();
        assertThat(quotas.iamUsers().used()).isEqualTo(2);
        // The second organization was refused after all (its user never made): its place is free again.
        second.settled();
        first.settled();
        assertThat(quotas.claimRoomForNewOrganization().claim()).isPresent();
    }

    @Test
    void anAccountFullByItsCountIsReadAgainBeforeItRefuses() {
        iamRules.userLimit(2);
        AccountQuotas quotas = quotas(Duration.ofHours(1));
        AccountQuotas.Claim first = quotas.claimRoomForNewOrganization().claim().orElseThrow();
        AccountQuotas.Claim second = quotas.claimRoomForNewOrganization().claim().orElseThrow();
        iam.createUser(r -> r.userName("first"));
        first.settled();
        // The second was refused before its user was made: the count (2 of 2) is one too high until a read.
        second.settled();

        assertThat(quotas.claimRoomForNewOrganization().claim()).as("read again, not refused on the count")
                .isPresent();
        assertThat(quotas.claimRoomForNewOrganization().full()).as("now it is full: one user and one to come")
                .isPresent();
    }

    private AccountQuotas quotas(Duration refresh) {
        return new AccountQuotas("own", route53, iam, Clock.systemUTC(), refresh, 0, new SimpleMeterRegistry());
    }
}
