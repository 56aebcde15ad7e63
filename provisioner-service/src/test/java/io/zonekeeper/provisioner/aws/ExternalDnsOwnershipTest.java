package io.zonekeeper.provisioner.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

class ExternalDnsOwnershipTest {

    private static final String ZONE = "acme.example.com.";

    @Test
    void aWeightedRecordOfAnotherClusterWithTheSameNameIsKept() {
        var mine = record("web.acme.example.com.", RRType.A, "c-1", "10.0.0.1");
        var theirs = record("web.acme.example.com.", RRType.A, "c-2", "10.0.0.2");
        var zone = List.of(mine, registry("web.acme.example.com.", "c-1", "c-1"),
                registry("a-web.acme.example.com.", "c-1", "c-1"),
                theirs, registry("web.acme.example.com.", "c-2", "c-2"),
                registry("a-web.acme.example.com.", "c-2", "c-2"));

        var owned = ExternalDnsOwnership.ownedBy("c-1", zone, ZONE);

        assertThat(owned).contains(mine).doesNotContain(theirs).hasSize(3)
                .allSatisfy(set -> assertThat(set.setIdentifier()).isEqualTo("c-1"));
    }

    @Test
    void anAliasRecordIsClaimedByTheCnamePrefixedTxtExternalDnsWritesForIt() {
        var alias = ResourceRecordSet.builder().name("lb.acme.example.com.").type(RRType.A)
                .aliasTarget(t -> t.dnsName("k8s-lb-123.elb.eu-west-1.amazonaws.com.").hostedZoneId("Z32O12XQLNTSW2")
                        .evaluateTargetHealth(true)).build();
        var zone = List.of(alias, registry("cname-lb.acme.example.com.", null, "c-1"));

        assertThat(ExternalDnsOwnership.ownedBy("c-1", zone, ZONE)).contains(alias).hasSize(2);
        assertThat(ExternalDnsOwnership.ownedBy("c-2", zone, ZONE)).isEmpty();
    }

    @Test
    void theNewFormatOnlyRegistryIsRead() {
        var a = record("api.acme.example.com.", RRType.A, null, "10.0.0.1");
        var aaaa = record("api.acme.example.com.", RRType.AAAA, null, "2001:db8::1");
        var cname = record("docs.acme.example.com.", RRType.CNAME, null, "api.acme.example.com.");
        var zone = List.of(a, aaaa, cname, registry("a-api.acme.example.com.", null, "c-1"),
                registry("aaaa-api.acme.example.com.", null, "c-1"),
                registry("cname-docs.acme.example.com.", null, "c-1"));

        assertThat(ExternalDnsOwnership.ownedBy("c-1", zone, ZONE)).containsAll(List.of(a, aaaa, cname)).hasSize(6);
    }

    @Test
    void anAaaaRecordIsOnlyClaimedByAnAaaaTxt() {
        var aaaa = record("api.acme.example.com.", RRType.AAAA, null, "2001:db8::1");
        var zone = List.of(aaaa, registry("api.acme.example.com.", null, "c-1"),
                registry("a-api.acme.example.com.", null, "c-1"));

        assertThat(ExternalDnsOwnership.ownedBy("c-1", zone, ZONE)).doesNotContain(aaaa);
    }

    @Test
    void wildcardsInBothFormats() {
        var wildcard = record("\\052.apps.acme.example.com.", RRType.A, null, "10.0.0.1");
        assertThat(ExternalDnsOwnership.ownedBy("c-1", List.of(wildcard,
                registry("a-\\052.apps.acme.example.com.", null, "c-1")), ZONE)).contains(wildcard);
        assertThat(ExternalDnsOwnership.ownedBy("c-1", List.of(wildcard,
                registry("\\052.apps.acme.example.com.", null, "c-1")), ZONE)).contains(wildcard);
    }

    @Test
    void anAmbiguousRegistryNameNeverTakesARecordAnotherOwnerClaims() {
        // c-1's old-format TXT for "a-team" reads also as a new-format TXT for "team", which c-2 owns.
        var mine = record("a-team.acme.example.com.", RRType.A, null, "10.0.0.1");
        var theirs = record("team.acme.example.com.", RRType.A, null, "10.0.0.2");
        var zone = List.of(mine, registry("a-team.acme.example.com.", null, "c-1"),
                registry("a-a-team.acme.example.com.", null, "c-1"),
                theirs, registry("team.acme.example.com.", null, "c-2"));

        var owned = ExternalDnsOwnership.ownedBy("c-1", zone, ZONE);

        assertThat(owned).contains(mine).doesNotContain(theirs);
        assertThat(ExternalDnsOwnership.ownedBy("c-2", zone, ZONE)).doesNotContain(mine);
    }

    @Test
    void anOwnerWhoseIdStartsLikeAnotherOwnsNothingOfIt() {
        var mine = record("web.acme.example.com.", RRType.A, null, "10.0.0.1");
        var zone = List.of(mine, registry("web.acme.example.com.", null, "c-1"));

        assertThat(ExternalDnsOwnership.ownedBy("c-", zone, ZONE)).isEmpty();
        assertThat(ExternalDnsOwnership.ownedBy("c-10", zone, ZONE)).isEmpty();
    }

    @Test
    void recordsWithoutARegistryEntryAndTheApexAreNeverOwned() {
        var handMade = record("mail.acme.example.com.", RRType.MX, null, "10 mx.example.net.");
        var soa = record(ZONE, RRType.SOA, null, "ns-1.example. hostmaster.example. 1 7200 900 1209600 86400");
        var ns = record(ZONE, RRType.NS, null, "ns-1.example.");
        var zone = new ArrayList<>(List.of(handMade, soa, ns, registry(ZONE, null, "c-1")));

        assertThat(ExternalDnsOwnership.ownedBy("c-1", zone, ZONE)).containsExactly(zone.get(3));
        assertThat(ExternalDnsOwnership.allButApexInfrastructure(zone, ZONE)).containsExactly(handMade, zone.get(3));
    }

    static ResourceRecordSet record(String name, RRType type, String setIdentifier, String... values) {
        var builder = ResourceRecordSet.builder().name(name).type(type).ttl(300L)
                .resourceRecords(Arrays.stream(values).map(v -> ResourceRecord.builder().value(v).build()).toList());
        if (setIdentifier != null) {
            builder.setIdentifier(setIdentifier).weight(50L);
        }
        return builder.build();
    }

    static ResourceRecordSet registry(String name, String setIdentifier, String owner) {
        return record(name, RRType.TXT, setIdentifier,
                "\"heritage=external-dns,external-dns/owner=" + owner + ",external-dns/resource=service/default/web\"");
    }
}
