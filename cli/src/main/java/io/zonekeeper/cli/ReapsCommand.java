package io.zonekeeper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonekeeper.common.aws.TeardownCost;
import io.zonekeeper.common.config.AwsRates;
import io.zonekeeper.common.config.EnvReader;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A month end rehearsed before it happens: every pending reap the reaper holds (zone, rule, due time), and how
 * long the provisioner needs for those due at the coming month end under its Route53 and IAM rates, so when the
 * reaper starts commanding them (just in time: the last at the margin before the 1st). Each AWS account of the
 * provisioner's pool has its own buckets and is paced on its own, so the month end is shown per account. Operators
 * see before the 1st what will go and whether there is still time for it before the next charge.
 */
@Command(name = "reaps", mixinStandardHelpOptions = true,
        description = "List pending zone reaps and when the coming month end's reaps start under the API budget.")
final class ReapsCommand implements Callable<Integer> {

    /** One pending reap, as the query endpoint shows it; {@code account}: the zone's AWS account, or "own". */
    record PendingReap(String orgId, String orgName, String zone, String account, String rule, Instant dueAt,
                       boolean commanded) {
    }

    /**
     * What the coming month end holds in one account: reaps due by its start, how long they take at the rate
     * limits, and when the reaper starts them so that the last goes at the margin before the 1st.
     */
    record MonthEnd(String account, Instant now, Instant monthStart, Duration margin, int due, Duration needed) {

        Instant start() {
            return monthStart.minus(margin).minus(needed);
        }

        /** When the last is commanded: at the margin, or later when the month end should have started already. */
        Instant last() {
            Instant start = start();
            return (start.isBefore(now) ? now : start).plus(needed);
        }

        boolean fits() {
            return last().isBefore(monthStart);
        }
    }

    /** How the provisioner's own account is shown (its metrics name it so too). */
    static final String OWN = "own";

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--reaper", defaultValue = "${env:ZK_REAPER_URL:-http://localhost:8080}",
            description = "any reaper instance's HTTP address (default: $ZK_REAPER_URL or ${DEFAULT-VALUE})")
    String reaper;

    @Option(names = "--at", description = "look from this instant (default: now on the clock CLOCK_START, CLOCK_RATE"
            + " and CLOCK_ANCHOR describe, as the services read it; otherwise the system clock)")
    Instant at;

    @Option(names = "--margin", defaultValue = "${env:REAP_MONTH_END_MARGIN:-15m}", converter = DurationConverter.class,
            description = "the reaper's month-end margin (default: $REAP_MONTH_END_MARGIN or ${DEFAULT-VALUE})")
    Duration margin;

    @Option(names = "--iam-rate", description = "the provisioner's IAM requests per second (default: its"
            + " IAM_RATE_PER_SECOND, read as it reads it)")
    Double iamRate;

    @Option(names = "--route53-rate", description = "the account's Route53 requests per second (default: the"
            + " provisioner's ROUTE53_RATE_PER_SECOND)")
    Double accountRate;

    @Option(names = "--external-dns-share", description = "the part of it the fleet's ExternalDNS poll with (default:"
            + " the provisioner's EXTERNAL_DNS_ROUTE53_SHARE); the provisioner's own rate is the rest")
    Double externalDnsShare;

    @Override
    public Integer call() {
        // The rates as the provisioner and the reaper read them from this environment (AwsRates), unless given.
        EnvReader env = EnvReader.fromSystem();
        AwsRates configured = AwsRates.read(env);
        env.validate();
        AwsRates rates = new AwsRates(accountRate != null ? accountRate : configured.route53PerSecond(),
                configured.route53Burst(), externalDnsShare != null ? externalDnsShare : configured.externalDnsShare(),
                iamRate != null ? iamRate : configured.iamPerSecond(), configured.iamBurst());
        double route53Rate = rates.provisionerRoute53PerSecond();
        if (!(route53Rate > 0) || !(rates.iamPerSecond() > 0)) {
            throw new ParameterException(spec.commandLine(),
                    "--route53-rate and --iam-rate must be positive and --external-dns-share below 1");
        }
        Instant now = at != null ? at : Zk.clock().now();
        List<PendingReap> reaps = pending(reaper);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-16s %-14s %-34s %-14s %-10s %-22s %s%n", "ORG ID", "NAME", "ZONE", "ACCOUNT", "RULE", "DUE AT",
                "STATE");
        for (PendingReap reap : reaps) {
            out.printf("%-16s %-14s %-34s %-14s %-10s %-22s %s%n", reap.orgId(), reap.orgName(), reap.zone(),
                    reap.account(), reap.rule(), reap.dueAt(),
                    reap.commanded() ? "commanded" : reap.dueAt().isAfter(now) ? "waiting" : "due");
        }
        out.printf("%d pending reap(s) at %s.%n", reaps.size(), now);
        for (MonthEnd monthEnd : monthEnds(reaps, now, margin, route53Rate, rates.iamPerSecond())) {
            out.printf("Month end %s%s: %d reap(s) due, %d Route53 calls at %s/s take about %s; the reaper starts them"
                            + " at %s and commands the last at %s (margin %s): %s%n", monthEnd.monthStart(),
                    monthEnd.account().equals(OWN) ? "" : " in account " + monthEnd.account(),
                    monthEnd.due(), (long) monthEnd.due() * TeardownCost.ROUTE53_CALLS,
                    trim(route53Rate), human(monthEnd.needed()), monthEnd.start(), monthEnd.last(), human(margin),
                    monthEnd.fits() ? "fits" : "DOES NOT FIT: the last would go "
                            + human(Duration.between(monthEnd.monthStart(), monthEnd.last()))
                            + " into the next month, charged again; raise the rates");
        }
        return 0;
    }

    /**
     * The coming month end in each account that has reaps (the provisioner's own when none has): each account's
     * teardowns draw on its own buckets, so the reaper paces each on its own.
     */
    static List<MonthEnd> monthEnds(List<PendingReap> reaps, Instant now, Duration margin, double route53Rate,
                                    double iamRate) {
        Map<String, List<PendingReap>> byAccount = new TreeMap<>();
        reaps.forEach(r -> byAccount.computeIfAbsent(r.account(), a -> new ArrayList<>()).add(r));
        if (byAccount.isEmpty()) {
            byAccount.put(OWN, List.of());
        }
        List<MonthEnd> monthEnds = new ArrayList<>();
        byAccount.forEach((account, inAccount) -> monthEnds.add(monthEnd(account, inAccount, now, margin,
                route53Rate, iamRate)));
        return monthEnds;
    }

    /**
     * The coming month end seen from {@code now}: the reaps not yet commanded that fall due by its start, and how
     * long the provisioner needs for them at its Route53 and IAM rates (requests per second), whichever is slower.
     */
    static MonthEnd monthEnd(String account, List<PendingReap> reaps, Instant now, Duration margin,
                             double route53Rate, double iamRate) {
        Instant monthStart = YearMonth.from(now.atOffset(ZoneOffset.UTC)).plusMonths(1).atDay(1).atStartOfDay()
                .toInstant(ZoneOffset.UTC);
        int due = (int) reaps.stream().filter(r -> !r.commanded() && r.dueAt().isBefore(monthStart)).count();
        return new MonthEnd(account, now, monthStart, margin, due,
                TeardownCost.atRates(route53Rate, iamRate).multipliedBy(due));
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
                    zone == null || zone.isNull() ? OWN : zone.path("awsAccount").asText(OWN),
                    reap.get("reason").asText(), Instant.parse(reap.get("dueAt").asText()),
                    reap.hasNonNull("commandedAt")));
        }
        reaps.sort(Comparator.comparing(PendingReap::dueAt).thenComparing(PendingReap::orgId));
        return reaps;
    }

    private static String human(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
