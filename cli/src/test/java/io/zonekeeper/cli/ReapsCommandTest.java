package io.zonekeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.time.SettableClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** zk reaps: a month end rehearsed against a real reaper on a clock set to the last day of a February. */
class ReapsCommandTest {

    private static final Instant NOW = Instant.parse("2027-02-28T12:00:00Z");
    private final SettableClock clock = new SettableClock(NOW);
    private final CliReaper reaper = new CliReaper(ServiceClock.of(clock, "test clock"));

    @AfterEach
    void stop() {
        reaper.close();
    }

    @Test
    void listsPendingReapsAndWhetherTheMonthEndFitsTheRoute53Budget() {
        for (String org : List.of("org-a", "org-b", "org-c")) {
            reaper.send(reaper.zonesTopic, org, OrgDnsState.newBuilder().setOrgId(org).setOrgName(org.replace("-", ""))
                    .setBaseDomain("example.com").setStatus(OrgDnsStatus.READY)
                    .setZoneName(org.replace("-", "") + ".example.com.").setZoneId("Z-" + org).setZoneGeneration(1)
                    .setZoneCreatedAt(Instant.parse("2027-02-01T09:00:00Z")).setUpdatedAt(NOW.minusSeconds(600))
                    .build());
            event(org, ClusterStatus.RUNNING, NOW.minusSeconds(300));
        }
        event("org-a", ClusterStatus.STOPPED, NOW.minusSeconds(120));
        event("org-b", ClusterStatus.DELETED, NOW.minusSeconds(60));
        await().atMost(Duration.ofSeconds(60)).until(() -> zk("reaps", "--reaper", reaper.url(), "--at", NOW.toString())[1]
                .contains("2 pending reap(s)"));

        String[] fits = zk("reaps", "--reaper", reaper.url(), "--at", NOW.toString());
        assertThat(fits[0]).isEqualTo("0");
        assertThat(fits[1].lines()).anySatisfy(l -> assertThat(l).startsWith("org-a").contains("orga.example.com.",
                "MONTH_END", "2027-02-28T23:45:00Z", "waiting"));
        assertThat(fits[1].lines()).anySatisfy(l -> assertThat(l).startsWith("org-b").contains("MONTH_END"));
        assertThat(fits[1]).doesNotContain("org-c").contains("Month end 2027-03-01T00:00:00Z: 2 reap(s) due, 10"
                + " Route53 calls at 5/s take about 2s; the reaper starts them at 2027-02-28T23:44:58Z and commands"
                + " the last at 2027-02-28T23:45:00Z (margin 15m): fits");

        String[] tooSlow = zk("reaps", "--reaper", reaper.url(), "--at", NOW.toString(), "--route53-rate", "0.0002",
                "--external-dns-share", "0.5");
        assertThat(tooSlow[1]).contains("take about 27h46m40s", "DOES NOT FIT: the last would go 15h46m40s into the"
                + " next month");

        String[] unreachable = zk("reaps", "--reaper", "http://127.0.0.1:1");
        assertThat(unreachable[0]).isEqualTo("3");
    }

    @Test
    void theComingMonthEndIsTheOneAfterTheInstantLookedFrom() {
        var leapDay = ReapsCommand.monthEnd("own", List.of(
                new ReapsCommand.PendingReap("o1", "a", "a.x.", "own", "MONTH_END", Instant.parse("2028-02-29T18:00:00Z"),
                        false),
                new ReapsCommand.PendingReap("o2", "b", "b.x.", "own", "MONTH_END", Instant.parse("2028-02-29T18:00:00Z"),
                        true),
                new ReapsCommand.PendingReap("o3", "c", "c.x.", "own", "MONTH_END", Instant.parse("2028-03-31T18:00:00Z"),
                        false)),
                Instant.parse("2028-02-29T10:00:00Z"), Duration.ofHours(6), 10, 10);
        assertThat(leapDay.monthStart()).isEqualTo("2028-03-01T00:00:00Z");
        assertThat(leapDay.due()).as("commanded ones are under way; next month's wait").isEqualTo(1);
        assertThat(leapDay.needed()).as("5 Route53 calls at 10/s; IAM's 3 at 10/s are quicker")
                .isEqualTo(Duration.ofMillis(500));
        assertThat(leapDay.start()).isEqualTo("2028-02-29T17:59:59.500Z");
        assertThat(leapDay.fits()).isTrue();

        var newYear = ReapsCommand.monthEnd("own", List.of(), Instant.parse("2026-12-31T23:59:00Z"),
                Duration.ofMinutes(15), 10, 10);
        assertThat(newYear.monthStart()).isEqualTo("2027-01-01T00:00:00Z");
        assertThat(newYear.last()).as("past the margin already: now").isEqualTo("2026-12-31T23:59:00Z");
    }

    @Test
    void eachAccountOfThePoolHasItsOwnMonthEnd() {
        Instant due = Instant.parse("2027-02-28T23:45:00Z");
        var monthEnds = ReapsCommand.monthEnds(List.of(
                new ReapsCommand.PendingReap("o1", "a", "a.x.", "210987654321", "MONTH_END", due, false),
                new ReapsCommand.PendingReap("o2", "b", "b.x.", "210987654321", "MONTH_END", due, false),
                new ReapsCommand.PendingReap("o3", "c", "c.x.", "310987654321", "MONTH_END", due, false)),
                NOW, Duration.ofMinutes(15), 5, 10);
        assertThat(monthEnds).extracting(ReapsCommand.MonthEnd::account).containsExactly("210987654321",
                "310987654321");
        assertThat(monthEnds).extracting(ReapsCommand.MonthEnd::due).containsExactly(2, 1);
        assertThat(monthEnds.get(0).needed()).as("two teardowns at 5 Route53 calls/s").isEqualTo(Duration.ofSeconds(2));
        assertThat(monthEnds.get(1).needed()).as("side by side, not after the first account's")
                .isEqualTo(Duration.ofSeconds(1));
    }

    private void event(String org, ClusterStatus status, Instant at) {
        reaper.send(reaper.lifecycleTopic, org, ClusterLifecycleEvent.newBuilder().setEventId(UUID.randomUUID())
                .setOccurredAt(at).setOrgId(org).setOrgName(org.replace("-", "")).setClusterId(org + "-c1")
                .setClusterName("c1").setStatus(status).setCloud("amazon").setRegion("eu-west-1")
                .setKubeconfigVaultPath("clusters/k").build());
    }

    private static String[] zk(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Zk.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }
}
