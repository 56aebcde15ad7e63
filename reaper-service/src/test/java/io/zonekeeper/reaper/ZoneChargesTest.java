package io.zonekeeper.reaper;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.reaper.ZoneCharges.Span;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ZoneChargesTest {

    private static Instant t(String iso) {
        return Instant.parse(iso);
    }

    @Test
    void chargesAtCreationAndOnEachFirstOfTheMonthUnlessDeletedWithinTwelveHours() {
        assertThat(ZoneCharges.charges(t("2026-01-10T00:00:00Z"), t("2026-01-10T11:59:59Z"))).isZero();
        assertThat(ZoneCharges.charges(t("2026-01-10T00:00:00Z"), t("2026-01-10T12:00:00Z"))).isEqualTo(1);
        assertThat(ZoneCharges.charges(t("2026-01-10T00:00:00Z"), t("2026-02-01T00:00:00Z"))).isEqualTo(1);
        assertThat(ZoneCharges.charges(t("2026-01-10T00:00:00Z"), t("2026-02-01T00:00:01Z"))).isEqualTo(2);
        assertThat(ZoneCharges.charges(t("2026-01-31T20:00:00Z"), t("2026-02-01T04:00:00Z"))).as("free, across the 1st")
                .isZero();
        assertThat(ZoneCharges.charges(t("2026-01-10T00:00:00Z"), t("2026-04-01T00:00:00Z"))).isEqualTo(3);
    }

    @Test
    void strategiesOnAShortTrace() {
        // Used for 2 days, back for an hour a week later, back for 3 days in the next month.
        List<Span> usage = List.of(new Span(t("2026-01-05T00:00:00Z"), t("2026-01-07T00:00:00Z")),
                new Span(t("2026-01-14T00:00:00Z"), t("2026-01-14T01:00:00Z")),
                new Span(t("2026-02-10T00:00:00Z"), t("2026-02-13T00:00:00Z")));
        assertThat(ZoneCharges.neverDelete(usage, t("2026-04-01T00:00:00Z"))).isEqualTo(3);
        assertThat(ZoneCharges.deleteAsSoonAsUnused(usage)).isEqualTo(2);
        // Keeping one zone for all three: January and February; two zones are the same; nothing beats 2.
        assertThat(ZoneCharges.offlineOptimum(usage)).isEqualTo(2);
        // Two test clusters of an hour each, six hours apart: one zone across both is charged, two zones are not.
        List<Span> tests = List.of(new Span(t("2026-01-05T00:00:00Z"), t("2026-01-05T01:00:00Z")),
                new Span(t("2026-01-05T13:00:00Z"), t("2026-01-05T14:00:00Z")));
        assertThat(ZoneCharges.deleteAsSoonAsUnused(tests)).isZero();
        assertThat(ZoneCharges.offlineOptimum(tests)).isZero();
    }

    @Test
    void mergesOverlappingAndTouchingSpans() {
        assertThat(ZoneCharges.merge(List.of(new Span(t("2026-01-02T00:00:00Z"), t("2026-01-03T00:00:00Z")),
                new Span(t("2026-01-01T00:00:00Z"), t("2026-01-02T00:00:00Z")),
                new Span(t("2026-01-05T00:00:00Z"), t("2026-01-06T00:00:00Z")))))
                .containsExactly(new Span(t("2026-01-01T00:00:00Z"), t("2026-01-03T00:00:00Z")),
                        new Span(t("2026-01-05T00:00:00Z"), t("2026-01-06T00:00:00Z")));
    }
}
