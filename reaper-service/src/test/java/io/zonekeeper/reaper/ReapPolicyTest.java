package io.zonekeeper.reaper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.schemas.ReapReason;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReapPolicyTest {

    private final ReapPolicy noMargin = new ReapPolicy(Duration.ofHours(12), Duration.ZERO,
            ReapPolicy.MonthEnd.fixedWindow(Duration.ofHours(6)));
    private final ReapPolicy policy = new ReapPolicy(Duration.ofHours(12), Duration.ofMinutes(15),
            ReapPolicy.MonthEnd.fixedWindow(Duration.ofHours(6)));

    @Test
    void aZoneUnusedAt11h59IsDeletedNowForFree() {
        Instant created = Instant.parse("2026-03-10T08:00:00Z");
        var decision = noMargin.decide(created, created.plus(Duration.ofHours(11).plusMinutes(59)));
        assertThat(decision).isEqualTo(new ReapPolicy.Decision(Instant.parse("2026-03-10T19:59:00Z"), ReapReason.FREE_WINDOW));
    }

    @Test
    void aZoneUnusedAt12h01IsKeptUntilTheMonthEndWindow() {
        Instant created = Instant.parse("2026-03-10T08:00:00Z");
        var decision = noMargin.decide(created, created.plus(Duration.ofHours(12).plusMinutes(1)));
        assertThat(decision).isEqualTo(new ReapPolicy.Decision(Instant.parse("2026-03-31T18:00:00Z"), ReapReason.MONTH_END));
    }

    @Test
    void theSafetyMarginMovesTheLineEarlier() {
        Instant created = Instant.parse("2026-03-10T08:00:00Z");
        assertThat(policy.decide(created, created.plus(Duration.ofHours(11).plusMinutes(44))).reason())
                .isEqualTo(ReapReason.FREE_WINDOW);
        assertThat(policy.decide(created, created.plus(Duration.ofHours(11).plusMinutes(45))).reason())
                .isEqualTo(ReapReason.MONTH_END);
    }

    @ParameterizedTest(name = "unused {0} -> due {1}")
    @CsvSource({
            // inside the month: wait for the window before the 1st
            "2026-01-15T10:00:00Z, 2026-01-31T18:00:00Z",
            "2026-04-15T10:00:00Z, 2026-04-30T18:00:00Z",   // 30-day month
            "2026-02-15T10:00:00Z, 2026-02-28T18:00:00Z",   // 28-day February
            "2028-02-15T10:00:00Z, 2028-02-29T18:00:00Z",   // leap year
            "2026-12-20T10:00:00Z, 2026-12-31T18:00:00Z",   // December, next charge in January
            // inside the window already: due at once
            "2026-12-31T20:00:00Z, 2026-12-31T20:00:00Z",
            "2026-01-31T23:59:59Z, 2026-01-31T23:59:59Z",
            "2026-01-31T18:00:00Z, 2026-01-31T18:00:00Z",
            // the first minute of a month: the charge was made, keep it for the whole month
            "2026-02-01T00:00:00Z, 2026-02-28T18:00:00Z"
    })
    void oldZonesAreDueInTheWindowBeforeTheNextCharge(Instant unusedAt, Instant dueAt) {
        Instant longAgo = Instant.parse("2025-06-01T00:00:00Z");
        assertThat(policy.decide(longAgo, unusedAt)).isEqualTo(new ReapPolicy.Decision(dueAt, ReapReason.MONTH_END));
    }

    @Test
    void aZoneCreatedOnTheLastDayOfAMonthIsStillFreeWithinTwelveHoursAcrossTheFirst() {
        Instant created = Instant.parse("2026-01-31T22:00:00Z");
        assertThat(policy.decide(created, Instant.parse("2026-02-01T05:00:00Z")))
                .isEqualTo(new ReapPolicy.Decision(Instant.parse("2026-02-01T05:00:00Z"), ReapReason.FREE_WINDOW));
        assertThat(policy.decide(created, Instant.parse("2026-02-01T11:00:00Z")))
                .isEqualTo(new ReapPolicy.Decision(Instant.parse("2026-02-28T18:00:00Z"), ReapReason.MONTH_END));
    }

    /**
     * Found by the chaos run: an organization whose clusters stopped before the provisioner had made its zone (its
     * events waited in a backlog) became unused before the zone existed, and the zone was kept to the month end.
     */
    @Test
    void aZoneMadeAfterItsClustersWentAwayIsFreeWithinTwelveHoursOfItsCreation() {
        Instant created = Instant.parse("2026-03-10T08:00:00Z");
        var decision = policy.decide(created, created.minus(Duration.ofMinutes(5)));
        assertThat(decision.reason()).isEqualTo(ReapReason.FREE_WINDOW);
        assertThat(decision.dueAt()).isEqualTo(created);
    }

    @Test
    void aZoneOfUnknownAgeIsTreatedAsOld() {
        assertThat(policy.decide(null, Instant.parse("2026-05-03T01:00:00Z")))
                .isEqualTo(new ReapPolicy.Decision(Instant.parse("2026-05-31T18:00:00Z"), ReapReason.MONTH_END));
    }

    @Test
    void nextMonthStartRollsOverYearsAndLeapDays() {
        assertThat(ReapPolicy.nextMonthStart(Instant.parse("2026-12-31T23:59:59Z"))).isEqualTo("2027-01-01T00:00:00Z");
        assertThat(ReapPolicy.nextMonthStart(Instant.parse("2028-02-29T12:00:00Z"))).isEqualTo("2028-03-01T00:00:00Z");
        assertThat(ReapPolicy.nextMonthStart(Instant.parse("2026-03-01T00:00:00Z"))).isEqualTo("2026-04-01T00:00:00Z");
    }

    @Test
    void overFourYearsOfRandomInstantsNoDecisionIsEarlyLateOrWrongAboutTheFreeWindow() {
        Random random = new Random(2026);
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        long span = Duration.ofDays(4 * 366).toSeconds();
        for (int i = 0; i < 200_000; i++) {
            Instant created = start.plusSeconds(random.nextLong(span));
            Instant unused = created.plusSeconds(random.nextLong(Duration.ofDays(40).toSeconds()));
            var decision = policy.decide(created, unused);
            assertThat(decision.dueAt()).isAfterOrEqualTo(unused);
            assertThat(decision.dueAt()).isBefore(ReapPolicy.nextMonthStart(unused));
            boolean young = Duration.between(created, unused).compareTo(Duration.ofHours(12).minusMinutes(15)) < 0;
            assertThat(decision.reason()).isEqualTo(young ? ReapReason.FREE_WINDOW : ReapReason.MONTH_END);
            if (young) {
                assertThat(decision.dueAt()).isEqualTo(unused);
            } else {
                assertThat(decision.dueAt()).isAfterOrEqualTo(ReapPolicy.nextMonthStart(unused).minus(Duration.ofHours(6)));
            }
        }
    }

    @Test
    void aJustInTimeMonthEndSpacesReapsByTheTeardownAtTheProvisionersRateForEveryTask() {
        // 5 Route53 calls at 5/s, 3 IAM calls at 10/s: a second a zone, Route53-bound; three tasks share the rate.
        var monthEnd = ReapPolicy.MonthEnd.justInTime(Duration.ofMinutes(15), 5, 10, 3);
        assertThat(monthEnd.spacing()).isEqualTo(Duration.ofSeconds(3));
        Instant monthStart = Instant.parse("2027-02-01T00:00:00Z");
        // The last goes at the margin (its due time), the first as early as the others need.
        assertThat(monthEnd.slot(monthStart, 2, 3)).isEqualTo(Instant.parse("2027-01-31T23:45:00Z"));
        assertThat(monthEnd.slot(monthStart, 0, 3)).isEqualTo(Instant.parse("2027-01-31T23:44:54Z"));
        // IAM-bound when IAM is the slower: 3 calls at 1/s.
        assertThat(ReapPolicy.MonthEnd.justInTime(Duration.ofMinutes(15), 5, 1, 1).spacing())
                .isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void tenThousandZonesAtOneMonthEndStartEarlyEnoughAndAHandfulGoInTheLastMinutes() {
        var monthEnd = ReapPolicy.MonthEnd.justInTime(Duration.ofMinutes(15), 5, 10, 12);
        // 10,000 zones over 12 partitions: 834 in the busiest task, 12 s apart.
        assertThat(monthEnd.lead(834)).isEqualTo(Duration.ofMinutes(15).plusSeconds(833 * 12));
        assertThat(monthEnd.lead(834)).as("about 3 hours: inside the old fixed window of 6")
                .isBetween(Duration.ofHours(3), Duration.ofHours(3).plusMinutes(2));
        assertThat(monthEnd.lead(1)).isEqualTo(Duration.ofMinutes(15));
        assertThat(monthEnd.lead(5)).isLessThan(Duration.ofMinutes(16));
    }

    @Test
    void aFixedWindowCommandsEveryMonthEndReapAtOnceWhateverTheirNumber() {
        var window = ReapPolicy.MonthEnd.fixedWindow(Duration.ofHours(6));
        Instant monthStart = Instant.parse("2027-02-01T00:00:00Z");
        assertThat(window.slot(monthStart, 0, 10_000)).isEqualTo(window.slot(monthStart, 9_999, 10_000))
                .isEqualTo(Instant.parse("2027-01-31T18:00:00Z"));
    }

    @Test
    void rejectsAMarginLargerThanTheFreeWindowOrAWindowLongerThanAMonth() {
        assertThatThrownBy(() -> new ReapPolicy(Duration.ofHours(12), Duration.ofHours(13),
                ReapPolicy.MonthEnd.fixedWindow(Duration.ofHours(6)))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReapPolicy.MonthEnd.fixedWindow(Duration.ofDays(28)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
