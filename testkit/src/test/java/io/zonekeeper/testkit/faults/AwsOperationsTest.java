package io.zonekeeper.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AwsOperationsTest {

    @Test
    void namesRoute53OperationsFromMethodAndPath() {
        assertThat(route53("POST", "/2013-04-01/hostedzone")).isEqualTo("CreateHostedZone");
        assertThat(route53("GET", "/2013-04-01/hostedzonesbyname")).isEqualTo("ListHostedZonesByName");
        assertThat(route53("GET", "/2013-04-01/hostedzone/Z1D633PJN98FT9")).isEqualTo("GetHostedZone");
        assertThat(route53("DELETE", "/2013-04-01/hostedzone/Z1D633PJN98FT9")).isEqualTo("DeleteHostedZone");
        assertThat(route53("POST", "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset/")).isEqualTo("ChangeResourceRecordSets");
        assertThat(route53("GET", "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset")).isEqualTo("ListResourceRecordSets");
        assertThat(route53("GET", "/2013-04-01/change/C2682N5HXP0BZ4")).isEqualTo("GetChange");
        assertThat(route53("POST", "/2013-04-01/tags/hostedzone/Z1D633PJN98FT9")).isEqualTo("ChangeTagsForResource");
    }

    @Test
    void namesIamOperationsFromTheQueryAction() {
        Operation op = AwsOperations.classify("POST", "/", null,
                "Action=CreateAccessKey&Version=2010-05-08&UserName=zk-acme".getBytes(StandardCharsets.UTF_8));
        assertThat(op).isEqualTo(new Operation("iam", "CreateAccessKey"));
    }

    @Test
    void namesAnythingElseByMethodAndPath() {
        assertThat(AwsOperations.classify("GET", "/v1/secret/data/a", null, new byte[0]))
                .isEqualTo(new Operation("http", "GET /v1/secret/data/a"));
    }

    private static String route53(String method, String path) {
        Operation op = AwsOperations.classify(method, path, null, new byte[0]);
        assertThat(op.service()).isEqualTo("route53");
        return op.name();
    }
}
