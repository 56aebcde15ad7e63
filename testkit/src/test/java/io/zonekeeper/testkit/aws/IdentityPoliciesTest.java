package io.zonekeeper.testkit.aws;

import static io.zonekeeper.testkit.aws.IdentityPolicies.Decision.ALLOWED;
import static io.zonekeeper.testkit.aws.IdentityPolicies.Decision.EXPLICITLY_DENIED;
import static io.zonekeeper.testkit.aws.IdentityPolicies.Decision.IMPLICITLY_DENIED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdentityPoliciesTest {

    private static final String ZONE_A = "arn:aws:route53:::hostedzone/ZAAAA";
    private static final String ZONE_B = "arn:aws:route53:::hostedzone/ZBBBB";

    private static String allow(String action, String resource) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"" + action
                + "\",\"Resource\":\"" + resource + "\"}]}";
    }

    @Test
    void allowsOnlyTheNamedResource() {
        List<String> policy = List.of(allow("route53:ChangeResourceRecordSets", ZONE_A));
        assertThat(IdentityPolicies.decide(policy, "route53:ChangeResourceRecordSets", ZONE_A)).isEqualTo(ALLOWED);
        assertThat(IdentityPolicies.decide(policy, "route53:ChangeResourceRecordSets", ZONE_B))
                .isEqualTo(IMPLICITLY_DENIED);
        assertThat(IdentityPolicies.decide(policy, "route53:DeleteHostedZone", ZONE_A)).isEqualTo(IMPLICITLY_DENIED);
    }

    @Test
    void aWildcardZoneAllowsEveryZone() {
        List<String> widened = List.of(allow("route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/*"));
        assertThat(IdentityPolicies.decide(widened, "route53:ChangeResourceRecordSets", ZONE_B)).isEqualTo(ALLOWED);
    }

    @Test
    void actionsMatchIgnoringCaseAndWithWildcardsButResourcesKeepTheirCase() {
        List<String> policy = List.of(allow("route53:change*", "arn:aws:route53:::hostedzone/ZAAA?"));
        assertThat(IdentityPolicies.decide(policy, "route53:ChangeResourceRecordSets", ZONE_A)).isEqualTo(ALLOWED);
        assertThat(IdentityPolicies.decide(policy, "route53:ChangeResourceRecordSets",
                "arn:aws:route53:::hostedzone/zaaaa")).isEqualTo(IMPLICITLY_DENIED);
        assertThat(IdentityPolicies.decide(policy, "route53:ChangeResourceRecordSets",
                "arn:aws:route53:::hostedzone/ZAAAAA")).isEqualTo(IMPLICITLY_DENIED);
    }

    @Test
    void anExplicitDenyInAnyPolicyWinsOverAnAllow() {
        String deny = "{\"Statement\":{\"Effect\":\"Deny\",\"Action\":[\"route53:*\"],\"Resource\":\"" + ZONE_A + "\"}}";
        List<String> policies = List.of(allow("route53:*", "*"), deny);
        assertThat(IdentityPolicies.decide(policies, "route53:ChangeResourceRecordSets", ZONE_A))
                .isEqualTo(EXPLICITLY_DENIED);
        assertThat(IdentityPolicies.decide(policies, "route53:ChangeResourceRecordSets", ZONE_B)).isEqualTo(ALLOWED);
    }

    @Test
    void notActionAndNotResourceAllowEverythingElse() {
        String policy = "{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"route53:Delete*\","
                + "\"NotResource\":\"" + ZONE_B + "\"}]}";
        assertThat(IdentityPolicies.decide(List.of(policy), "route53:ChangeResourceRecordSets", ZONE_A))
                .isEqualTo(ALLOWED);
        assertThat(IdentityPolicies.decide(List.of(policy), "route53:DeleteHostedZone", ZONE_A))
                .isEqualTo(IMPLICITLY_DENIED);
        assertThat(IdentityPolicies.decide(List.of(policy), "route53:ChangeResourceRecordSets", ZONE_B))
                .isEqualTo(IMPLICITLY_DENIED);
    }

    @Test
    void readsTheUrlEncodedDocumentsIamReturns() {
        String encoded = URLEncoder.encode(allow("route53:ListHostedZones", "*"), StandardCharsets.UTF_8);
        assertThat(IdentityPolicies.decide(List.of(encoded), "route53:ListHostedZones", "*")).isEqualTo(ALLOWED);
    }

    @Test
    void noPolicyAllowsNothing() {
        assertThat(IdentityPolicies.decide(List.of(), "route53:ListHostedZones", "*")).isEqualTo(IMPLICITLY_DENIED);
    }

    @Test
    void refusesToJudgeWhatItDoesNotEvaluate() {
        String conditional = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"route53:*\",\"Resource\":\"*\","
                + "\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"true\"}}}]}";
        assertThatThrownBy(() -> IdentityPolicies.decide(List.of(conditional), "route53:ListHostedZones", "*"))
                .hasMessageContaining("Condition is not evaluated");
        assertThatThrownBy(() -> IdentityPolicies.decide(List.of(allow("route53:*", "arn:aws:route53:::${aws:username}")),
                "route53:ListHostedZones", "*")).hasMessageContaining("policy variables");
        assertThatThrownBy(() -> IdentityPolicies.decide(List.of("{\"Statement\":[{\"Effect\":\"Permit\","
                + "\"Action\":\"*\",\"Resource\":\"*\"}]}"), "route53:ListHostedZones", "*"))
                .hasMessageContaining("Allow or Deny");
    }
}
