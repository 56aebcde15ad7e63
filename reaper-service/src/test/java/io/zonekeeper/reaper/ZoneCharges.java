package io.zonekeeper.reaper;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Route53's hosted-zone billing, as the cost simulation charges it: a zone is charged when it is created and on
 * every 1st of a month (00:00 UTC) it is still there, never prorated; a zone deleted within 12 hours of its
 * creation is not charged at all. Also the three strategies the policy is compared with.
 */
final class ZoneCharges {

    static final Duration FREE_WINDOW = Duration.ofHours(12);

    /** A span of time, end exclusive. */
    record Span(Instant start, Instant end) {
    }

    private ZoneCharges() {
    }

    /** The charges of one zone that existed from {@code created} until {@code deleted} (or the horizon). */
    static int charges(Instant created, Instant deleted) {
        if (Duration.between(created, deleted).compareTo(FREE_WINDOW) < 0) {
            return 0;
        }
        int charges = 1;
        for (Instant month = ReapPolicy.nextMonthStart(created); month.isBefore(deleted);
             month = ReapPolicy.nextMonthStart(month)) {
            charges++;
        }
        return charges;
    }

    /** The union of the spans, sorted and merged where they touch or overlap. */
    static List<Span> merge(List<Span> spans) {
        List<Span> sorted = new ArrayList<>(spans);
        sorted.sort(Comparator.comparing(Span::start));
        List<Span> merged = new ArrayList<>();
        for (Span span : sorted) {
            if (!merged.isEmpty() && !span.start().isAfter(merged.get(merged.size() - 1).end())) {
                Span last = merged.remove(merged.size() - 1);
                merged.add(new Span(last.start(), span.end().isAfter(last.end()) ? span.end() : last.end()));
            } else {
                merged.add(span);
            }
        }
        return merged;
    }

    /** Keep the zone from its first use to the horizon. */
    static int neverDelete(List<Span> usage, Instant horizon) {
        return usage.isEmpty() ? 0 : charges(usage.get(0).start(), horizon);
    }

    /** Delete the zone the moment the organization has no cluster, create it again on the next use. */
    static int deleteAsSoonAsUnused(List<Span> usage) {
        return usage.stream().mapToInt(span -> charges(span.start(), span.end())).sum();
    }

    /**
     * Knowing the future: the zone must exist during every span of use; which consecutive spans should one zone
     * serve, deleted right after the last of them? Deleting later never lowers a zone's charges, so a dynamic
     * programme over the groupings finds the minimum.
     */
    static int offlineOptimum(List<Span> usage) {
        int n = usage.size();
        int[] best = new int[n + 1];
        for (int j = 1; j <= n; j++) {
            best[j] = Integer.MAX_VALUE;
            for (int i = 1; i <= j; i++) {
                int cost = best[i - 1] + charges(usage.get(i - 1).start(), usage.get(j - 1).end());
                best[j] = Math.min(best[j], cost);
            }
        }
        return best[n];
    }
}
