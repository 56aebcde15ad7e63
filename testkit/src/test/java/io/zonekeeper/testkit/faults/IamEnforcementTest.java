package io.zonekeeper.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.testkit.aws.MotoAccounts;
import io.zonekeeper.testkit.aws.MotoServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.LimitExceededException;
import software.amazon.awssdk.services.iam.model.SummaryKeyType;

/** IAM's quota of users, per account, in front of the emulator, which reports 5,000 and enforces nothing. */
class IamEnforcementTest {

    private static final String OTHER = "210987654321";

    private final MotoServer moto = MotoServer.shared();
    private final FaultProxy proxy;
    private final IamEnforcement rules;

    IamEnforcementTest() {
        moto.reset();
        proxy = FaultProxy.start(moto.endpoint(), 1);
        rules = new IamEnforcement(moto.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY);
        proxy.enforce(rules);
    }

    @AfterEach
    void close() {
        rules.close();
        proxy.close();
    }

    @Test
    void eachAccountHoldsAtMostItsQuotaOfUsersAndSaysSoInItsSummary() {
        rules.userLimit(2);
        rules.userLimit(OTHER, 1);
        try (IamClient here = iam(null); IamClient there = iam(OTHER)) {
            here.createUser(r -> r.userName("u1"));
            here.createUser(r -> r.userName("u2"));
            assertThatThrownBy(() -> here.createUser(r -> r.userName("u3")))
                    .isInstanceOfSatisfying(LimitExceededException.class, e -> assertThat(e.awsErrorDetails()
                            .errorMessage()).isEqualTo("Cannot exceed quota for UsersPerAccount: 2"));
            there.createUser(r -> r.userName("u1"));
            assertThatThrownBy(() -> there.createUser(r -> r.userName("u2"))).isInstanceOf(LimitExceededException.class);

            assertThat(here.getAccountSummary().summaryMap()).containsEntry(SummaryKeyType.USERS, 2)
                    .containsEntry(SummaryKeyType.USERS_QUOTA, 2);
            assertThat(there.getAccountSummary().summaryMap()).containsEntry(SummaryKeyType.USERS, 1)
                    .containsEntry(SummaryKeyType.USERS_QUOTA, 1);
            // A user deleted frees its place.
            there.deleteUser(r -> r.userName("u1"));
            there.createUser(r -> r.userName("u2"));
        }
        assertThat(rules.users(MotoAccounts.DEFAULT)).isEqualTo(2);
        assertThat(rules.users(OTHER)).isEqualTo(1);
    }

    private IamClient iam(String account) {
        var builder = IamClient.builder().region(Region.AWS_GLOBAL).endpointOverride(proxy.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY)));
        if (account != null) {
            builder.overrideConfiguration(MotoAccounts.inAccount(account));
        }
        return builder.build();
    }
}
