package io.zonekeeper.provisioner.aws;

import static io.zonekeeper.provisioner.aws.ExternalDnsOwnershipTest.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

class ChangeBatchesTest {

    @Test
    void atMostAThousandChangesARequest() {
        var batches = ChangeBatches.of(changes(ChangeAction.DELETE, 2_500, i -> alias(i)));

        assertThat(batches).extracting(List::size).containsExactly(1_000, 1_000, 500);
    }

    @Test
    void atMostAThousandValuesARequestAndUpsertsCountTwice() {
        var deletes = ChangeBatches.of(changes(ChangeAction.DELETE, 600, i -> record("h" + i + ".acme.example.com.",
                RRType.A, null, "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4")));
        var upserts = ChangeBatches.of(changes(ChangeAction.UPSERT, 600, i -> record("h" + i + ".acme.example.com.",
                RRType.A, null, "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4")));

        assertThat(deletes).extracting(List::size).containsExactly(250, 250, 100);
        assertThat(upserts).extracting(List::size).containsExactly(125, 125, 125, 125, 100);
    }

    @Test
    void atMost32000CharactersOfValuesARequest() {
        String value = "\"" + "x".repeat(253) + "\"";
        var batches = ChangeBatches.of(changes(ChangeAction.DELETE, 300, i -> record("t" + i + ".acme.example.com.",
                RRType.TXT, null, value)));

        assertThat(batches).extracting(List::size).containsExactly(125, 125, 50);
        assertThat(batches).allSatisfy(batch -> assertThat(characters(batch)).isLessThanOrEqualTo(32_000));
    }

    @Test
    void everyChangeOnceInItsOrderAndEveryLimitHeldForAMixedZone() {
        List<Change> mixed = new ArrayList<>();
        mixed.addAll(changes(ChangeAction.DELETE, 1_500, i -> record("a" + i + ".acme.example.com.", RRType.A, null,
                "10.0.0.1", "10.0.0.2", "10.0.0.3")));
        mixed.addAll(changes(ChangeAction.DELETE, 1_000, i -> record("t" + i + ".acme.example.com.", RRType.TXT, null,
                "\"" + "v".repeat(i % 250) + "\"")));
        mixed.addAll(changes(ChangeAction.DELETE, 1_000, ChangeBatchesTest::alias));
        Collections.shuffle(mixed, new java.util.Random(7));

        var batches = ChangeBatches.of(mixed);

        assertThat(batches.stream().flatMap(List::stream).toList()).isEqualTo(mixed);
        assertThat(batches).allSatisfy(batch -> {
            assertThat(batch).hasSizeLessThanOrEqualTo(1_000);
            assertThat(batch.stream().mapToInt(c -> c.resourceRecordSet().resourceRecords().size()).sum())
                    .isLessThanOrEqualTo(1_000);
            assertThat(characters(batch)).isLessThanOrEqualTo(32_000);
        });
    }

    @Test
    void noChangesNoRequest() {
        assertThat(ChangeBatches.of(List.of())).isEmpty();
    }

    private static int characters(List<Change> batch) {
        return batch.stream().flatMap(c -> c.resourceRecordSet().resourceRecords().stream())
                .mapToInt(r -> r.value().length()).sum();
    }

    private static ResourceRecordSet alias(int i) {
        return ResourceRecordSet.builder().name("lb" + i + ".acme.example.com.").type(RRType.A)
                .aliasTarget(t -> t.dnsName("lb.elb.amazonaws.com.").hostedZoneId("Z32O12XQLNTSW2")
                        .evaluateTargetHealth(false)).build();
    }

    private static List<Change> changes(ChangeAction action, int count,
                                        java.util.function.IntFunction<ResourceRecordSet> set) {
        return IntStream.range(0, count)
                .mapToObj(i -> Change.builder().action(action).resourceRecordSet(set.apply(i)).build()).toList();
    }
}
