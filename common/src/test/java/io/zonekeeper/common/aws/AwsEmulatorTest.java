package io.zonekeeper.common.aws;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.AwsSettings;
import io.zonekeeper.common.config.Secret;
import io.zonekeeper.testkit.aws.MotoServer;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.HostedZone;
import software.amazon.awssdk.services.route53.model.NoSuchHostedZoneException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SDK clients built by {@link AwsClients} against the AWS emulator over HTTP. */
class AwsEmulatorTest {

    private static final MotoServer MOTO = MotoServer.shared();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private Route53Client route53;
    private IamClient iam;

    @BeforeEach
    void connect() {
        MOTO.reset();
        AwsSettings settings = new AwsSettings(MotoServer.REGION, Optional.of(MOTO.endpoint()), Optional.of(
                new AwsSettings.StaticCredentials(MotoServer.ACCESS_KEY_ID, new Secret(MotoServer.SECRET_ACCESS_KEY))));
        AwsClients clients = new AwsClients(settings, List.of(new AwsCallMetrics(metrics, Tags.empty())), List.of(new AwsCallMetrics(metrics, Tags.empty())));
        route53 = clients.route53();
        iam = clients.iam();
    }

    @AfterEach
    void close() {
        route53.close();
        iam.close();
    }

    @Test
    void createsAndDeletesAHostedZone() {
        HostedZone zone = route53.createHostedZone(r -> r.name("acme.example.com.").callerReference("acme-1"))
                .hostedZone();
        assertThat(zone.name()).isEqualTo("acme.example.com.");
        String zoneId = zone.id().replace("/hostedzone/", "");

        assertThat(route53.listHostedZonesByName(r -> r.dnsName("acme.example.com.")).hostedZones())
                .extracting(HostedZone::name).contains("acme.example.com.");
        assertThat(route53.getHostedZone(r -> r.id(zoneId)).delegationSet().nameServers()).isNotEmpty();

        route53.deleteHostedZone(r -> r.id(zoneId));
        assertThatThrownBy(() -> route53.getHostedZone(r -> r.id(zoneId))).isInstanceOf(NoSuchHostedZoneException.class);
        assertThat(metrics.get("zonekeeper.aws.calls").tag("operation", "CreateHostedZone").tag("outcome", "success")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void createsAndDeletesAnIamUserWithAPolicy() {
        String document = """
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"route53:ChangeResourceRecordSets",
                 "Resource":"arn:aws:route53:::hostedzone/Z123"}]}""";
        String policyArn = iam.createPolicy(r -> r.policyName("zonekeeper-acme").policyDocument(document)).policy().arn();
        iam.createUser(r -> r.userName("zonekeeper-acme").path("/zonekeeper/"));
        iam.attachUserPolicy(r -> r.userName("zonekeeper-acme").policyArn(policyArn));

        assertThat(iam.listAttachedUserPolicies(r -> r.userName("zonekeeper-acme")).attachedPolicies())
                .singleElement().satisfies(p -> assertThat(p.policyArn()).isEqualTo(policyArn));

        iam.detachUserPolicy(r -> r.userName("zonekeeper-acme").policyArn(policyArn));
        iam.deleteUser(r -> r.userName("zonekeeper-acme"));
        iam.deletePolicy(r -> r.policyArn(policyArn));
        assertThatThrownBy(() -> iam.getUser(r -> r.userName("zonekeeper-acme"))).isInstanceOf(NoSuchEntityException.class);
    }
}
