package io.zonekeeper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A month end rehearsed before it happens: every pending reap the reaper holds (zone, rule, due time), and how
 * many fall due in the coming month-end window against the time the provisioner needs to execute them under its
 * Route53 rate limit. Operators see before the 1st what will go and whether it fits before the next charge.
 */
@Command(name = "reaps", mixinStandardHelpOptions = true,
        description = "List pending zone reaps and check that the coming month end fits the Route53 budget.")
final class ReapsCommand implements Callable<Integer> {

    /**
     * Route53 calls the provisioner makes to tear one organization down: the parent's NS record read and
     * deleted, the zone's records read and deleted, the zone deleted (ReapExecutor).
     */
    static final int ROUTE53_CALLS_PER_REAP = 5;

    /** One pending reap, as the query endpoint shows it. */
    record PendingReap(String orgId, String orgName, String zone, String rule, Instant dueAt, boolean commanded) {
    }

    /** What the coming month end holds: reaps due in its window, and how long they take at the rate limit. */
    record MonthEnd(Instant windowStart, Instant monthStart, int due, Duration needed) {

        boolean fits() {
            return !windowStart.plus(needed).isAfter(monthStart);
        }
    }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--reaper", defaultValue = "${env:ZK_REAPER_URL:-http://localhost:8080}",
            description = "any reaper instance's HTTP address (default: $ZK_REAPER_URL or ${DEFAULT-VALUE})")
    String reaper;

    @Option(names = "--at", description = "look from this instant (default: now on the clock CLOCK_START, CLOCK_RATE"
            + " and CLOCK_ANCHOR describe, as the services read it; otherwise the system clock)")
    Instant at;

    @Option(names = "--window", defaultValue = "${env:REAP_MONTH_END_WINDOW:-6h}", converter = DurationConverter.class,
            description = "the reaper's month-end window (default: $REAP_MONTH_END_WINDOW or ${DEFAULT-VALUE})")
    Duration window;

    @Option(names = "--route53-rate", defaultValue = "${env:ROUTE53_RATE_PER_SECOND:-10}",
            description = "the account's Route53 requests per second (default: $ROUTE53_RATE_PER_SECOND or"
                    + " ${DEFAULT-VALUE})")
    double accountRate;

    @Option(names = "--external-dns-share", defaultValue = "${env:EXTERNAL_DNS_ROUTE53_SHARE:-0.5}",
            description = "the part of it the fleet's ExternalDNS poll with (default: $EXTERNAL_DNS_ROUTE53_SHARE or"
                    + " ${DEFAULT-VALUE}); the provisioner's own rate is the rest")
    double externalDnsShare;

    @Override
    public Integer call() {
        double route53Rate = accountRate * (1 - externalDnsShare);
        if (!(route53Rate > 0)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--route53-rate must be positive and --external-dns-share below 1");
        }
        Instant now = at != null ? at : Zk.clock().now();
        List<PendingReap> reaps = pending(reaper);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-16s %-14s %-34s %-10s %-22s %s%n", "ORG ID", "NAME", "ZONE", "RULE", "DUE AT", "STATE");
        for (PendingReap reap : reaps) {
            out.printf("%-16s %-14s %-34s %-10s %-22s %s%n", reap.orgId(), reap.orgName(), reap.zone(), reap.rule(),
                    reap.dueAt(), reap.commanded() ? "commanded" : reap.dueAt().isAfter(now) ? "waiting" : "due");
        }
        MonthEnd monthEnd = monthEnd(reaps, now, window, route53Rate);
        out.printf("%d pending reap(s) at %s.%n", reaps.size(), now);
        out.printf("Month-end window %s to %s (%s): %d reap(s) due, %d Route53 calls at %s/s take about %s: %s%n",
                monthEnd.windowStart(), monthEnd.monthStart(), human(window), monthEnd.due(),
                (long) monthEnd.due() * ROUTE53_CALLS_PER_REAP, trim(route53Rate), human(monthEnd.needed()),
                monthEnd.fits() ? "fits" : "DOES NOT FIT: the last would finish "
                        + human(Duration.between(monthEnd.monthStart(), monthEnd.windowStart().plus(monthEnd.needed())))
                        + " into the next month, charged again; widen REAP_MONTH_END_WINDOW or the rate");
        return 0;
    }

    /**
     * The coming month end seen from {@code now}: the reaps not yet commanded that fall due by its start (those
     * due before the window are executed before it too, in the same queue), and how long the provisioner needs
     * for them at {@code rate} Route53 requests per second.
     */
    static MonthEnd monthEnd(List<PendingReap> reaps, Instant now, Duration window, double rate) {
        Instant monthStart = YearMonth.from(now.atOffset(ZoneOffset.UTC)).plusMonths(1).atDay(1).atStartOfDay()
                .toInstant(ZoneOffset.UTC);
        Instant windowStart = monthStart.minus(window);
        int due = (int) reaps.stream().filter(r -> !r.commanded() && r.dueAt().isBefore(monthStart)).count();
        Duration needed = Duration.ofMillis(Math.round(due * ROUTE53_CALLS_PER_REAP * 1000 / rate));
        return new MonthEnd(windowStart, monthStart, due, needed);
    }

    /** Every organization's pending reap, across all reaper instances, soonest first. */
    static List<PendingReap> pending(String reaper) {
        List<PendingReap> reaps = new ArrayList<>();
        for (JsonNode org : OrgsCommand.all(reaper)) {
            JsonNode reap = org.get("pendingReap");
            if (reap == null || reap.isNull()) {
                continue;
            }
            JsonNode zone = org.get("zone");
            reaps.add(new PendingReap(org.get("orgId").asText(), org.path("orgName").asText("-"),
                    zone == null || zone.isNull() ? "-" : zone.path("zoneName").asText("-"),
                    reap.get("reason").asText(), Instant.parse(reap.get("dueAt").asText()),
                    reap.hasNonNull("commandedAt")));
        }
        reaps.sort(Comparator.comparing(PendingReap::dueAt).thenComparing(PendingReap::orgId));
        return reaps;
    }

    private static String human(Duration duration) {
        return duration.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
