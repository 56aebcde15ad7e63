package io.zonekeeper.reaper;

import io.zonekeeper.reaper.ZoneCharges.Span;
import io.zonekeeper.schemas.ClusterStatus;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A deterministic cluster workload for the cost simulation: organizations with long-running clusters (some
 * stopped over weekends), organizations that run short test clusters in bursts, organizations that leave for
 * weeks and come back, one-off visitors, late joiners, and launch days on which many organizations create
 * clusters within the same hour. Events are delivered in time order, with a few duplicates and late
 * (out-of-order) copies, as a real upstream produces them.
 */
final class SyntheticTrace {

    /** One lifecycle event as the upstream sends it: delivered at {@code at}, describing {@code occurredAt}. */
    record Event(Instant at, Instant occurredAt, String orgId, String orgName, String clusterId, ClusterStatus status,
                 long seq) {
    }

    private final Random random;
    private final Instant start;
    private final Instant horizon;
    private final List<Event> events = new ArrayList<>();
    private final Map<String, List<Span>> usage = new HashMap<>();
    private final Map<String, String> names = new HashMap<>();
    private long seq;
    private int clusterCounter;

    SyntheticTrace(long seed, Instant start, Instant horizon) {
        this.random = new Random(seed);
        this.start = start;
        this.horizon = horizon;
    }

    SyntheticTrace generate(int organizations) {
        for (int o = 0; o < organizations; o++) {
            String orgId = String.format("org-%04d", o);
            names.put(orgId, "org" + o);
            usage.put(orgId, new ArrayList<>());
            double kind = random.nextDouble();
            if (kind < 0.35) {
                steady(orgId);
            } else if (kind < 0.60) {
                tester(orgId);
            } else if (kind < 0.80) {
                returning(orgId);
            } else if (kind < 0.95) {
                oneOff(orgId);
            } else {
                lateJoiner(orgId);
            }
        }
        launchDays(organizations);
        duplicates();
        events.sort(Comparator.comparing(Event::at).thenComparing(Event::seq));
        return this;
    }

    /**
     * A hold-out trace for the month end: every organization, every month, runs clusters from the first days to
     * mid-month (so its zone is paid for and due at the month end), and most come back in the month's last 8 hours
     * for half an hour to six hours, some across the 1st. Delivered like {@link #generate}.
     */
    SyntheticTrace generateLateReturns(int organizations) {
        for (int o = 0; o < organizations; o++) {
            String orgId = String.format("org-%04d", o);
            names.put(orgId, "org" + o);
            usage.put(orgId, new ArrayList<>());
            for (Instant month = start; month.isBefore(horizon); month = ReapPolicy.nextMonthStart(month)) {
                Instant monthEnd = ReapPolicy.nextMonthStart(month);
                Instant from = month.plus(Duration.ofMinutes(random.nextInt(5 * 24 * 60)));
                span(orgId, newCluster(orgId), from, from.plus(Duration.ofHours(72 + random.nextInt(10 * 24))),
                        ClusterStatus.DELETED);
                if (random.nextDouble() < 0.7) {
                    Instant back = monthEnd.minus(Duration.ofMinutes(10 + random.nextInt(8 * 60 - 10)));
                    Instant until = back.plus(Duration.ofMinutes(30 + random.nextInt(330)));
                    span(orgId, newCluster(orgId), back, until.isBefore(horizon) ? until : horizon,
                            ClusterStatus.DELETED);
                }
            }
        }
        duplicates();
        events.sort(Comparator.comparing(Event::at).thenComparing(Event::seq));
        return this;
    }

    List<Event> events() {
        return events;
    }

    String orgName(String orgId) {
        return names.get(orgId);
    }

    /** Per organization, the merged spans during which at least one cluster used the zone. */
    Map<String, List<Span>> usage() {
        Map<String, List<Span>> merged = new HashMap<>();
        usage.forEach((org, spans) -> merged.put(org, ZoneCharges.merge(spans)));
        return merged;
    }

    private void steady(String orgId) {
        int clusters = 1 + random.nextInt(3);
        for (int c = 0; c < clusters; c++) {
            String cluster = newCluster(orgId);
            Instant from = start.plus(Duration.ofMinutes(random.nextInt(20 * 24 * 60)));
            Instant until = random.nextDouble() < 0.5 ? horizon : from.plus(Duration.ofDays(20 + random.nextInt(50)));
            boolean weekendStops = random.nextDouble() < 0.3;
            Instant spanStart = from;
            Instant cursor = from;
            while (weekendStops && cursor.isBefore(until)) {
                cursor = cursor.plus(Duration.ofHours(1));
                var local = cursor.atOffset(ZoneOffset.UTC);
                if (local.getDayOfWeek() == DayOfWeek.FRIDAY && local.getHour() == 20) {
                    span(orgId, cluster, spanStart, cursor, ClusterStatus.STOPPED);
                    spanStart = cursor.plus(Duration.ofHours(59)); // Monday 07:00
                    cursor = spanStart;
                }
            }
            if (spanStart.isBefore(until)) {
                span(orgId, cluster, spanStart, until, ClusterStatus.DELETED);
            }
        }
    }

    private void tester(String orgId) {
        Instant cursor = start.plus(Duration.ofHours(random.nextInt(10 * 24)));
        while (cursor.isBefore(horizon)) {
            int burst = 1 + random.nextInt(5);
            Instant workday = cursor.atOffset(ZoneOffset.UTC).withHour(8 + random.nextInt(8)).toInstant();
            for (int c = 0; c < burst; c++) {
                Instant from = workday.plus(Duration.ofMinutes(random.nextInt(120)));
                span(orgId, newCluster(orgId), from, from.plus(Duration.ofMinutes(20 + random.nextInt(6 * 60))),
                        ClusterStatus.DELETED);
            }
            cursor = cursor.plus(Duration.ofDays(1 + random.nextInt(4)));
        }
    }

    private void returning(String orgId) {
        Instant cursor = start.plus(Duration.ofHours(random.nextInt(15 * 24)));
        while (cursor.isBefore(horizon)) {
            Instant until = cursor.plus(Duration.ofHours(72 + random.nextInt(17 * 24)));
            int clusters = 1 + random.nextInt(2);
            for (int c = 0; c < clusters; c++) {
                span(orgId, newCluster(orgId), cursor.plus(Duration.ofMinutes(random.nextInt(60))), until,
                        ClusterStatus.DELETED);
            }
            cursor = until.plus(Duration.ofDays(5 + random.nextInt(35)));
        }
    }

    private void oneOff(String orgId) {
        Instant from = start.plus(Duration.ofMinutes(random.nextInt(85 * 24 * 60)));
        span(orgId, newCluster(orgId), from, from.plus(Duration.ofMinutes(10 + random.nextInt(30 * 60))),
                ClusterStatus.DELETED);
    }

    private void lateJoiner(String orgId) {
        Instant from = horizon.minus(Duration.ofDays(1 + random.nextInt(30)));
        span(orgId, newCluster(orgId), from, horizon, ClusterStatus.DELETED);
    }

    /** Six launch days: 15% of the organizations each create a cluster between 09:00 and 10:00 UTC. */
    private void launchDays(int organizations) {
        for (int day = 0; day < 6; day++) {
            Instant nine = start.plus(Duration.ofDays(5 + 14L * day)).plus(Duration.ofHours(9));
            for (int o = 0; o < organizations; o++) {
                if (random.nextDouble() < 0.15) {
                    String orgId = String.format("org-%04d", o);
                    Instant from = nine.plus(Duration.ofSeconds(random.nextInt(3600)));
                    span(orgId, newCluster(orgId), from, from.plus(Duration.ofHours(1 + random.nextInt(10 * 24))),
                            ClusterStatus.DELETED);
                }
            }
        }
    }

    /** About 2% of events arrive twice: a few seconds later, or minutes later after newer events (stale). */
    private void duplicates() {
        List<Event> copies = new ArrayList<>();
        for (Event event : events) {
            if (random.nextDouble() < 0.02) {
                Duration delay = random.nextBoolean() ? Duration.ofSeconds(1 + random.nextInt(5))
                        : Duration.ofMinutes(1 + random.nextInt(30));
                // The copy keeps the original's occurredAt: it is the same event delivered again.
                copies.add(new Event(event.at().plus(delay), event.occurredAt(), event.orgId(), event.orgName(),
                        event.clusterId(), event.status(), seq++));
            }
        }
        events.addAll(copies);
    }

    private String newCluster(String orgId) {
        return orgId + "-c" + clusterCounter++;
    }

    /** A cluster using the zone from {@code from} until {@code until}, ending with {@code endStatus}. */
    private void span(String orgId, String clusterId, Instant from, Instant until, ClusterStatus endStatus) {
        if (!from.isBefore(horizon)) {
            return;
        }
        Instant end = until.isAfter(horizon) ? horizon : until;
        usage.get(orgId).add(new Span(from, end));
        add(from, orgId, clusterId, ClusterStatus.PROVISIONING);
        Instant running = from.plus(Duration.ofMinutes(Math.min(5, Math.max(1, Duration.between(from, end).toMinutes() / 2))));
        if (running.isBefore(end)) {
            add(running, orgId, clusterId, ClusterStatus.RUNNING);
        }
        if (end.isBefore(horizon)) {
            add(end, orgId, clusterId, endStatus);
        }
    }

    private void add(Instant at, String orgId, String clusterId, ClusterStatus status) {
        events.add(new Event(at, at, orgId, names.get(orgId), clusterId, status, seq++));
    }
}
