package io.zonekeeper.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.testkit.aws.MotoAccounts;
import io.zonekeeper.testkit.aws.MotoServer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.LimitExceededException;
import software.amazon.awssdk.services.iam.model.SummaryKeyType;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.HostedZoneAlreadyExistsException;
import software.amazon.awssdk.services.route53.model.InvalidChangeBatchException;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.TooManyHostedZonesException;

/** Route53's and IAM's rules the emulator does not keep, per account, through the fault proxy. */
class AccountRulesTest {

    private static final String OTHER = "210987654321";

    private final MotoServer moto = MotoServer.shared();
    private final FaultProxy proxy;
    /** Administrator clients of any account, through the proxy and its rules. */
    private final MotoAccounts throughProxy;
    private final Route53Enforcement rules;
    private final IamEnforcement iamRules;

    AccountRulesTest() {
        moto.reset();
        proxy = FaultProxy.start(moto.endpoint(), 1);
        rules = new Route53Enforcement(moto.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY);
        proxy.enforce(rules);
        iamRules = new IamEnforcement(moto.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY);
        proxy.enforce(iamRules);
        throughProxy = new MotoAccounts(proxy.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY);
    }

    @AfterEach
    void close() {
        rules.close();
        iamRules.close();
        proxy.close();
    }

    @Test
    void quotasAndCallerReferencesArePerAccount() {
        rules.hostedZoneLimit(1);
        rules.hostedZoneLimit(OTHER, 3);
        try (Route53Client here = throughProxy.route53(MotoAccounts.DEFAULT); Route53Client there = throughProxy.route53(OTHER)) {
            here.createHostedZone(r -> r.name("a.example.com").callerReference("ref-1"));
            assertThatThrownBy(() -> here.createHostedZone(r -> r.name("b.example.com").callerReference("ref-2")))
                    .isInstanceOf(TooManyHostedZonesException.class);
            // The same reference in another account is another account's first use of it.
            there.createHostedZone(r -> r.name("a.example.com").callerReference("ref-1"));
            there.createHostedZone(r -> r.name("b.example.com").callerReference("ref-2"));
            assertThatThrownBy(() -> there.createHostedZone(r -> r.name("c.example.com").callerReference("ref-1")))
                    .isInstanceOf(HostedZoneAlreadyExistsException.class);
            assertThat(there.getAccountLimit(r -> r.type("MAX_HOSTED_ZONES_BY_OWNER")).count()).isEqualTo(2);
            assertThat(here.getAccountLimit(r -> r.type("MAX_HOSTED_ZONES_BY_OWNER")).limit().value()).isEqualTo(1);
        }
    }

    @Test
    void aBatchThatCreatesOneRecordSetTwiceIsRefusedWholeAsRoute53ValidatesItInOrder() {
        try (Route53Client admin = throughProxy.route53(MotoAccounts.DEFAULT)) {
            String zone = admin.createHostedZone(r -> r.name("example.com").callerReference("parent"))
                    .hostedZone().id();
            assertThatThrownBy(() -> change(admin, zone, ns(ChangeAction.CREATE, "acme.example.com", "ns-1.example.net"),
                    ns(ChangeAction.CREATE, "acme.example.com", "ns-2.example.net")))
                    .isInstanceOfSatisfying(InvalidChangeBatchException.class, e -> assertThat(e.awsErrorDetails()
                            .errorMessage()).contains("invalid set of changes", "NS acme.example.com."));
            assertThat(admin.listResourceRecordSets(r -> r.hostedZoneId(zone)).resourceRecordSets())
                    .noneMatch(set -> set.name().startsWith("acme."));
            // In order: a CREATE, its DELETE, a CREATE again is a valid batch.
            change(admin, zone, ns(ChangeAction.CREATE, "acme.example.com", "ns-1.example.net"));
            change(admin, zone, ns(ChangeAction.DELETE, "acme.example.com", "ns-1.example.net"),
                    ns(ChangeAction.CREATE, "acme.example.com", "ns-2.example.net"));
            assertThat(admin.listResourceRecordSets(r -> r.hostedZoneId(zone)).resourceRecordSets())
                    .filteredOn(set -> set.name().equals("acme.example.com.")).singleElement()
                    .satisfies(set -> assertThat(set.resourceRecords().get(0).value()).isEqualTo("ns-2.example.net"));
        }
    }

    @Test
    void eachAccountHoldsAtMostItsQuotaOfUsersAndSaysSoInItsSummary() {
        iamRules.userLimit(2);
        iamRules.userLimit(OTHER, 1);
        try (IamClient here = throughProxy.iam(MotoAccounts.DEFAULT); IamClient there = throughProxy.iam(OTHER)) {
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
        assertThat(iamRules.users(MotoAccounts.DEFAULT)).isEqualTo(2);
        assertThat(iamRules.users(OTHER)).isEqualTo(1);
    }

    private static Change ns(ChangeAction action, String name, String value) {
        return Change.builder().action(action).resourceRecordSet(set -> set.name(name).type(RRType.NS).ttl(300L)
                .resourceRecords(ResourceRecord.builder().value(value).build())).build();
    }

    private static void change(Route53Client client, String zone, Change... changes) {
        client.changeResourceRecordSets(r -> r.hostedZoneId(zone).changeBatch(b -> b.changes(List.of(changes))));
    }
}
