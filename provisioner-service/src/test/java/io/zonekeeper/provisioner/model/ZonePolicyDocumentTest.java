package io.zonekeeper.provisioner.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ZonePolicyDocumentTest {

    @Test
    void allowsRecordChangesInTheOwnZoneOnlyAndReadOnlyDiscovery() {
        assertThat(ZonePolicyDocument.forZone("Z0123456789ABC")).isEqualTo("{\"Version\":\"2012-10-17\",\"Statement\":["
                + "{\"Sid\":\"ChangeRecordsInOwnZoneOnly\",\"Effect\":\"Allow\","
                + "\"Action\":[\"route53:ChangeResourceRecordSets\"],"
                + "\"Resource\":\"arn:aws:route53:::hostedzone/Z0123456789ABC\"},"
                + "{\"Sid\":\"FindZonesAndRecords\",\"Effect\":\"Allow\","
                + "\"Action\":[\"route53:ListHostedZones\",\"route53:ListHostedZonesByName\",\"route53:ListResourceRecordSets\"],"
                + "\"Resource\":\"*\"},"
                + "{\"Sid\":\"FollowChanges\",\"Effect\":\"Allow\",\"Action\":[\"route53:GetChange\"],"
                + "\"Resource\":\"arn:aws:route53:::change/*\"}]}");
    }

    @Test
    void readsTheZoneBackFromStoredDocumentsPlainOrUrlEncoded() {
        String document = ZonePolicyDocument.forZone("ZABC");
        assertThat(ZonePolicyDocument.zoneIdIn(document)).contains("ZABC");
        assertThat(ZonePolicyDocument.zoneIdIn(URLEncoder.encode(document, StandardCharsets.UTF_8))).contains("ZABC");
        assertThat(ZonePolicyDocument.zoneIdIn("{\"Statement\":[]}")).isEmpty();
    }
}
