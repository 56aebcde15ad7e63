package io.zonekeeper.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.testkit.aws.MotoAccounts;
import io.zonekeeper.testkit.aws.MotoServer;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKey;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.Route53Exception;
import software.amazon.awssdk.services.sts.StsClient;

/** The authorizer against the AWS emulator: real users, keys and managed policies in moto's IAM. */
class Route53AuthorizerTest {

    private final MotoServer moto = MotoServer.shared();
    private final FaultProxy proxy;
    private final Route53Authorizer authorizer;
    private final IamClient iam;
    private final Route53Client admin;

    Route53AuthorizerTest() {
        moto.reset();
        proxy = FaultProxy.start(moto.endpoint(), 1);
        authorizer = new Route53Authorizer(moto.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY);
        proxy.authorize(authorizer);
        iam = IamClient.builder().region(Region.AWS_GLOBAL).endpointOverride(moto.endpoint())
                .credentialsProvider(adminCredentials()).build();
        admin = route53(adminCredentials());
    }

    @AfterEach
    void close() {
        admin.close();
        iam.close();
        authorizer.close();
        proxy.close();
    }

    @Test
    void aUserScopedToOneZoneChangesItsRecordsThereAndNowhereElse() {
        String zoneA = zone("a.example.com");
        String zoneB = zone("b.example.com");
        try (Route53Client tenant = route53(keyFor("tenant-a", scopedPolicy("hostedzone/" + zoneA)))) {
            upsert(tenant, zoneA, "www.a.example.com");
            assertThat(tenant.listResourceRecordSets(r -> r.hostedZoneId(zoneA)).resourceRecordSets())
                    .anyMatch(r -> r.name().equals("www.a.example.com."));

            assertThatThrownBy(() -> upsert(tenant, zoneB, "www.b.example.com"))
                    .isInstanceOfSatisfying(Route53Exception.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
                        assertThat(e.awsErrorDetails().errorMessage()).contains("user/tenant-a",
                                "route53:ChangeResourceRecordSets", "hostedzone/" + zoneB);
                    });
            assertThat(admin.listResourceRecordSets(r -> r.hostedZoneId(zoneB)).resourceRecordSets())
                    .noneMatch(r -> r.name().startsWith("www."));
            assertThatThrownBy(() -> tenant.deleteHostedZone(r -> r.id(zoneA)))
                    .hasMessageContaining("route53:DeleteHostedZone");
        }
        assertThat(authorizer.decisions()).extracting(Route53Authorizer.Decision::action, Route53Authorizer.Decision::allowed)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("route53:ChangeResourceRecordSets", true),
                        org.assertj.core.groups.Tuple.tuple("route53:ListResourceRecordSets", true),
                        org.assertj.core.groups.Tuple.tuple("route53:ChangeResourceRecordSets", false),
                        org.assertj.core.groups.Tuple.tuple("route53:DeleteHostedZone", false));
    }

    @Test
    void aPolicyWidenedToEveryZoneLetsTheUserChangeAnotherOrganizationsZone() {
        String zoneA = zone("a.example.com");
        String zoneB = zone("b.example.com");
        try (Route53Client tenant = route53(keyFor("tenant-a", scopedPolicy("hostedzone/*")))) {
            upsert(tenant, zoneB, "www.b.example.com");
        }
        assertThat(admin.listResourceRecordSets(r -> r.hostedZoneId(zoneB)).resourceRecordSets())
                .anyMatch(r -> r.name().equals("www.b.example.com."));
        assertThat(zoneA).isNotEqualTo(zoneB);
    }

    @Test
    void aKeyIamDoesNotKnowIsRefusedAndTheAdministratorPasses() {
        String zone = zone("a.example.com");
        try (Route53Client stranger = route53(StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIANOTISSUEDBYIAM00", "whatever")))) {
            assertThatThrownBy(() -> stranger.listHostedZones())
                    .isInstanceOfSatisfying(Route53Exception.class,
                            e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidClientTokenId"));
        }
        upsert(admin, zone, "www.a.example.com");
        assertThat(authorizer.decisions()).isEmpty();
    }

    @Test
    void aDeletedKeyIsRefusedAtOnce() {
        StaticCredentialsProvider key = keyFor("tenant-a", scopedPolicy("hostedzone/*"));
        try (Route53Client tenant = route53(key)) {
            tenant.listHostedZones();
            iam.deleteAccessKey(r -> r.userName("tenant-a").accessKeyId(key.resolveCredentials().accessKeyId()));
            assertThatThrownBy(tenant::listHostedZones).hasMessageContaining("security token included in the request is invalid");
        }
    }

    @Test
    void aKeyIsJudgedByItsOwnAccountsIamAndReachesOnlyThatAccountsZones() {
        String other = "210987654321";
        MotoAccounts accounts = new MotoAccounts(moto.endpoint(), MotoServer.ACCESS_KEY_ID,
                MotoServer.SECRET_ACCESS_KEY);
        String zoneHere = zone("a.example.com");
        String zoneThere;
        StaticCredentialsProvider key;
        try (Route53Client otherAdmin = accounts.route53(other); IamClient otherIam = accounts.iam(other)) {
            zoneThere = otherAdmin.createHostedZone(r -> r.name("b.example.com").callerReference("b"))
                    .hostedZone().id().replace("/hostedzone/", "");
            // Even a policy widened to every zone: in its account, IAM of that account decides.
            key = keyFor(otherIam, "tenant-b", scopedPolicy("hostedzone/*"));
        }
        assertThat(accounts.callerOf(key.resolveCredentials().accessKeyId()).account()).isEqualTo(other);
        try (Route53Client tenant = route53(key)) {
            upsert(tenant, zoneThere, "www.b.example.com");
            assertThat(tenant.listHostedZones().hostedZones()).extracting(z -> z.name())
                    .containsExactly("b.example.com.");
            // The default account's zone is not in the key's account: not found there, nothing written.
            assertThatThrownBy(() -> upsert(tenant, zoneHere, "www.a.example.com"))
                    .isInstanceOfSatisfying(Route53Exception.class, e -> assertThat(e.statusCode()).isEqualTo(404));
        }
        assertThat(admin.listResourceRecordSets(r -> r.hostedZoneId(zoneHere)).resourceRecordSets())
                .noneMatch(r -> r.name().startsWith("www."));
        // The same user name in the default account has nothing: the other account's user is not it.
        assertThat(iam.listUsers().users()).isEmpty();
    }

    @Test
    void assumedRoleCredentialsAreJudgedByTheRolesPolicies() {
        String other = "310987654321";
        MotoAccounts accounts = new MotoAccounts(moto.endpoint(), MotoServer.ACCESS_KEY_ID,
                MotoServer.SECRET_ACCESS_KEY);
        try (IamClient otherIam = accounts.iam(other)) {
            otherIam.createRole(r -> r.roleName("reader").assumeRolePolicyDocument("{\"Version\":\"2012-10-17\","
                    + "\"Statement\":[]}"));
            otherIam.putRolePolicy(r -> r.roleName("reader").policyName("list").policyDocument("{\"Version\":"
                    + "\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"route53:ListHostedZones\","
                    + "\"Resource\":\"*\"}]}"));
        }
        try (StsClient sts = StsClient.builder().region(Region.US_EAST_1).endpointOverride(moto.endpoint())
                .credentialsProvider(adminCredentials()).build()) {
            var assumed = sts.assumeRole(r -> r.roleArn("arn:aws:iam::" + other + ":role/reader")
                    .roleSessionName("test")).credentials();
            try (Route53Client reader = route53(StaticCredentialsProvider.create(AwsSessionCredentials.create(
                    assumed.accessKeyId(), assumed.secretAccessKey(), assumed.sessionToken())))) {
                assertThat(reader.listHostedZones().hostedZones()).isEmpty();
                assertThatThrownBy(() -> reader.createHostedZone(r -> r.name("c.example.com").callerReference("c")))
                        .isInstanceOfSatisfying(Route53Exception.class, e -> assertThat(e.awsErrorDetails()
                                .errorMessage()).contains("assumed-role/reader/test", "route53:CreateHostedZone"));
            }
        }
    }

    @Test
    void namesTheResourceEachOperationIsAuthorizedAgainst() {
        assertThat(Route53Authorizer.resources("ChangeResourceRecordSets", "/2013-04-01/hostedzone/Z1/rrset/", new byte[0]))
                .containsExactly("arn:aws:route53:::hostedzone/Z1");
        assertThat(Route53Authorizer.resources("GetChange", "/2013-04-01/change/C9", new byte[0]))
                .containsExactly("arn:aws:route53:::change/C9");
        assertThat(Route53Authorizer.resources("ListTagsForResource", "/2013-04-01/tags/hostedzone/Z1", new byte[0]))
                .containsExactly("arn:aws:route53:::hostedzone/Z1");
        assertThat(Route53Authorizer.resources("ListHostedZones", "/2013-04-01/hostedzone", new byte[0]))
                .containsExactly("*");
        byte[] tags = ("<ListTagsForResourcesRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
                + "<ResourceIds><ResourceId>Z1</ResourceId><ResourceId>Z2</ResourceId></ResourceIds>"
                + "</ListTagsForResourcesRequest>").getBytes();
        assertThat(Route53Authorizer.resources("ListTagsForResources", "/2013-04-01/tags/hostedzone", tags))
                .containsExactly("arn:aws:route53:::hostedzone/Z1", "arn:aws:route53:::hostedzone/Z2");
    }

    private static String scopedPolicy(String zoneResource) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":["
                + "{\"Effect\":\"Allow\",\"Action\":\"route53:ChangeResourceRecordSets\","
                + "\"Resource\":\"arn:aws:route53:::" + zoneResource + "\"},"
                + "{\"Effect\":\"Allow\",\"Action\":[\"route53:ListHostedZones\",\"route53:ListResourceRecordSets\"],"
                + "\"Resource\":\"*\"}]}";
    }

    private StaticCredentialsProvider keyFor(String user, String policy) {
        return keyFor(iam, user, policy);
    }

    private static StaticCredentialsProvider keyFor(IamClient iam, String user, String policy) {
        iam.createUser(r -> r.userName(user));
        String arn = iam.createPolicy(r -> r.policyName(user + "-dns").policyDocument(policy)).policy().arn();
        iam.attachUserPolicy(r -> r.userName(user).policyArn(arn));
        AccessKey key = iam.createAccessKey(r -> r.userName(user)).accessKey();
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(key.accessKeyId(), key.secretAccessKey()));
    }

    private String zone(String name) {
        return admin.createHostedZone(r -> r.name(name).callerReference(UUID.randomUUID().toString()))
                .hostedZone().id().replace("/hostedzone/", "");
    }

    private static void upsert(Route53Client client, String zoneId, String name) {
        client.changeResourceRecordSets(r -> r.hostedZoneId(zoneId).changeBatch(b -> b.changes(c -> c
                .action(ChangeAction.UPSERT).resourceRecordSet(s -> s.name(name).type(RRType.A).ttl(60L)
                        .resourceRecords(ResourceRecord.builder().value("192.0.2.1").build())))));
    }

    private Route53Client route53(StaticCredentialsProvider credentials) {
        return Route53Client.builder().region(Region.AWS_GLOBAL).endpointOverride(proxy.endpoint())
                .credentialsProvider(credentials).build();
    }

    private static StaticCredentialsProvider adminCredentials() {
        return StaticCredentialsProvider.create(
                AwsBasicCredentials.create(MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY));
    }
}
