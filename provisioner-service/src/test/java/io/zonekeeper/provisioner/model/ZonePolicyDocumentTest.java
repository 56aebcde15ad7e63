package io.zonekeeper.provisioner.model;

import static io.zonekeeper.testkit.aws.IdentityPolicies.Decision.ALLOWED;
import static io.zonekeeper.testkit.aws.IdentityPolicies.Decision.IMPLICITLY_DENIED;
import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.testkit.aws.IdentityPolicies;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ZonePolicyDocumentTest {

    private static final String OWN = "arn:aws:route53:::hostedzone/Z0123456789ABC";
    private static final String OTHER = "arn:aws:route53:::hostedzone/Z9999999999XYZ";

    @Test
    void readsAndChangesRecordsInTheOwnZoneOnlyAndListsZones() {
        assertThat(ZonePolicyDocument.forZone("Z0123456789ABC")).isEqualTo("{\"Version\":\"2012-10-17\",\"Statement\":["
                + "{\"Sid\":\"RecordsInOwnZoneOnly\",\"Effect\":\"Allow\","
                + "\"Action\":[\"route53:ChangeResourceRecordSets\",\"route53:ListResourceRecordSets\"],"
                + "\"Resource\":\"" + OWN + "\"},"
                + "{\"Sid\":\"FindOwnZone\",\"Effect\":\"Allow\",\"Action\":[\"route53:ListHostedZones\"],"
                + "\"Resource\":\"*\"}]}");
    }

    @Test
    void fitsTheInlinePolicyLimitOfAUserWithTheLongestZoneIdRoute53Issues() {
        // IAM allows 2,048 characters of inline policy per user (whitespace not counted); zone ids are at most 32.
        assertThat(ZonePolicyDocument.forZone("Z" + "A".repeat(31)).length()).isLessThan(2_048 / 4);
    }

    @Test
    void allowsWhatExternalDnsCallsInItsOwnZoneAndNothingInAnother() {
        List<String> policy = List.of(ZonePolicyDocument.forZone("Z0123456789ABC"));
        for (String action : List.of("route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets")) {
            assertThat(IdentityPolicies.decide(policy, action, OWN)).as(action).isEqualTo(ALLOWED);
            assertThat(IdentityPolicies.decide(policy, action, OTHER)).as(action).isEqualTo(IMPLICITLY_DENIED);
        }
        assertThat(IdentityPolicies.decide(policy, "route53:ListHostedZones", "*")).isEqualTo(ALLOWED);
        for (String action : List.of("route53:DeleteHostedZone", "route53:CreateHostedZone",
                "route53:ChangeTagsForResource", "route53:AssociateVPCWithHostedZone")) {
            assertThat(IdentityPolicies.decide(policy, action, OWN)).as(action).isEqualTo(IMPLICITLY_DENIED);
        }
    }

    @Test
    void aStoredDocumentIsTheSameWhateverItsEncodingAndDiffersWhenItGrantsAnythingElse() {
        String document = ZonePolicyDocument.forZone("ZABC");
        assertThat(ZonePolicyDocument.same(document, document)).isTrue();
        assertThat(ZonePolicyDocument.same(URLEncoder.encode(document, StandardCharsets.UTF_8), document)).isTrue();
        assertThat(ZonePolicyDocument.same(ZonePolicyDocument.forZone("ZOTHER"), document)).isFalse();
        assertThat(ZonePolicyDocument.same(document.replace("hostedzone/ZABC", "hostedzone/*"), document)).isFalse();
        assertThat(ZonePolicyDocument.same("not json", document)).isFalse();
    }
}
