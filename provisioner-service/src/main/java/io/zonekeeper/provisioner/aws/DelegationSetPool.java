package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.aws.AwsErrors;
import io.zonekeeper.common.retry.Retry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.DelegationSet;
import software.amazon.awssdk.services.route53.model.DelegationSetAlreadyCreatedException;
import software.amazon.awssdk.services.route53.model.LimitsExceededException;
import software.amazon.awssdk.services.route53.model.ListReusableDelegationSetsResponse;
import software.amazon.awssdk.services.route53.model.NoSuchDelegationSetException;
import software.amazon.awssdk.services.route53.model.ReusableDelegationSetLimitType;

/**
 * The reusable delegation sets new zones are created in. A zone in a set keeps its name servers when it is reaped
 * and comes back; otherwise Route53 picks new ones for each zone, while resolvers may keep the parent's old
 * delegation for its whole TTL and send queries to servers that no longer know the zone. A set holds a limited
 * number of zones (100 by default), so an installation with more organizations needs several.
 *
 * <p>Three settings:
 * <ul>
 *   <li>{@code none}: Route53 picks name servers zone by zone;
 *   <li>a set id: that set alone, checked at start-up; once it is full, new zones are refused as a quota;
 *   <li>{@code auto}: the installation's pool. Set 1 has the installation's CallerReference and set n that reference
 *       with {@code -n}, so every instance finds the same sets (Route53 accepts a reference once). They are listed at
 *       the first zone an instance creates, so a start or a replay costs no call, and filled one after another: a
 *       new zone goes into the lowest-numbered set with room, and a set is created when all are full, up to the
 *       account's quota of sets.
 * </ul>
 *
 * <p>Room: a set's zones and limit are read from the account (GetReusableDelegationSetLimit, one call) the first
 * time a zone would go into it, counted up here for each zone about to be created (so zones created at the same time
 * spill over into the next set rather than being refused), and read again once it looks full and its
 * figures are older than the refresh period: zones reaped since then leave room that the next zones take, lowest
 * set first. Instances count separately; Route53's refusal of a zone in a full set ({@code TooManyHostedZones})
 * corrects a count that was behind, and the zone goes into the next set.
 *
 * <p>A zone that comes back goes into the set that served its name before when that set has room, so resolvers
 * that still hold the old delegation reach servers that know the zone again.
 */
public final class DelegationSetPool {

    private static final Logger LOG = LoggerFactory.getLogger(DelegationSetPool.class);

    /** The setting that makes Zonekeeper find, or create, a pool of sets of its own. */
    public static final String AUTO = "auto";
    /** The setting that leaves the choice of name servers to Route53, zone by zone. */
    public static final String NONE = "none";

    /**
     * A set as last read: its zones and limit, -1 while unknown (never read, or the read was refused, in which case
     * Route53's refusal of a zone is what says the set is full).
     */
    record Member(int number, String id, List<String> nameServers, long zones, long limit, Instant readAt) {

        boolean hasRoom() {
            return limit < 0 || zones < limit;
        }

        Member withZones(long count) {
            return new Member(number, id, nameServers, count, limit, readAt);
        }
    }

    private final Route53Client route53;
    private final Retry retry;
    private final Clock clock;
    private final Duration refresh;
    private final String setting;
    private final String reference;
    private final TreeMap<Integer, Member> members = new TreeMap<>();
    private boolean listed;

    /**
     * A pool for {@code setting} ({@code auto}, {@code none} or a set id); {@code reference} is the installation's
     * CallerReference for set 1 of {@code auto}; a set's figures are read again after {@code refresh}.
     */
    public DelegationSetPool(Route53Client route53, Retry retry, Clock clock, Duration refresh, String setting,
                             String reference) {
        this.route53 = route53;
        this.retry = retry;
        this.clock = clock;
        this.refresh = refresh;
        this.setting = setting;
        this.reference = reference;
    }

    /** Checks now that a set named by the configuration exists, so a wrong id stops the start. */
    public synchronized DelegationSetPool verified() {
        if (!setting.equals(AUTO) && !setting.equals(NONE)) {
            DelegationSet set;
            try {
                set = call("GetReusableDelegationSet", () -> route53.getReusableDelegationSet(r -> r.id(setting)))
                        .delegationSet();
            } catch (NoSuchDelegationSetException e) {
                throw new IllegalStateException("DELEGATION_SET_ID names reusable delegation set " + setting
                        + ", which the account does not have", e);
            }
            members.put(1, new Member(1, bareId(set.id()), set.nameServers(), -1, -1, null));
            listed = true;
            LOG.info("new zones are created in reusable delegation set {}", setting);
        }
        return this;
    }

    /**
     * Whether new zones go into a set, where Route53 refuses a second zone of a name in the same set
     * ({@code ConflictingDomainExists}); across the sets of a pool it does not, and the parent's delegation, which
     * one name can have once, decides.
     */
    public boolean placesZonesInSets() {
        return !setting.equals(NONE);
    }

    /**
     * The set the next zone goes into (bare id), or null with {@code none}: the one whose name servers are
     * {@code previousNameServers} (the name's zone before it was reaped) when it has room, otherwise the
     * lowest-numbered set with room, created when there is none.
     *
     * @throws ZoneQuotaException when no set has room and none can be made
     */
    public synchronized String forNewZone(String zoneName, List<String> previousNameServers) {
        if (!placesZonesInSets()) {
            return null;
        }
        if (!listed) {
            list();
        }
        // Read only what the choice needs: the set that served the name before, and the sets up to the first with room.
        List<String> previous = normalised(previousNameServers);
        members.values().stream().filter(m -> !previous.isEmpty() && normalised(m.nameServers()).equals(previous))
                .findFirst().ifPresent(this::refreshIfStale);
        for (Member member : List.copyOf(members.values())) {
            refreshIfStale(member);
            if (members.get(member.number()).hasRoom()) {
                break;
            }
        }
        Optional<Member> chosen = choose(members.values(), previousNameServers);
        if (chosen.isPresent()) {
            return reserve(chosen.get());
        }
        if (!setting.equals(AUTO)) {
            Member only = members.firstEntry().getValue();
            throw new ZoneQuotaException(zoneName, "delegation set " + only.id() + " (named by DELEGATION_SET_ID)"
                    + " holds its limit of " + only.limit() + " zones; set DELEGATION_SET_ID=auto for a pool of sets"
                    + " that grows, or raise the set's quota", null);
        }
        return reserve(createNext(zoneName));
    }

    /**
     * Counts the zone about to be created in the set, so zones created at the same time go to the next set once
     * this one is full instead of being refused by Route53; {@link #released} gives the place back.
     */
    private String reserve(Member member) {
        members.put(member.number(), member.withZones(member.zones() < 0 ? -1 : member.zones() + 1));
        return member.id();
    }

    /**
     * The set for a new zone among {@code members}: the one that served the name before ({@code previousNameServers})
     * when it has room, otherwise the lowest-numbered with room; empty when none has room.
     */
    static Optional<Member> choose(Collection<Member> members, List<String> previousNameServers) {
        List<String> previous = normalised(previousNameServers);
        Optional<Member> same = previous.isEmpty() ? Optional.empty() : members.stream()
                .filter(m -> m.hasRoom() && normalised(m.nameServers()).equals(previous)).findFirst();
        if (same.isPresent()) {
            return same;
        }
        return members.stream().filter(Member::hasRoom).min((a, b) -> Integer.compare(a.number(), b.number()));
    }

    private static List<String> normalised(List<String> nameServers) {
        return nameServers == null ? List.of() : nameServers.stream()
                .map(ns -> (ns.endsWith(".") ? ns.substring(0, ns.length() - 1) : ns).toLowerCase(Locale.ROOT))
                .sorted().toList();
    }

    /** Gives back the place {@link #forNewZone} counted for a zone that was not created in {@code setId}. */
    public synchronized void released(String setId) {
        members.values().stream().filter(m -> m.id().equals(setId)).findFirst()
                .ifPresent(m -> members.put(m.number(), m.withZones(m.zones() <= 0 ? m.zones() : m.zones() - 1)));
    }

    /**
     * Route53 refused a zone in {@code setId} (TooManyHostedZones): the set is read again, and the set to try next is
     * returned. A set that still has room means the account's quota of hosted zones was what refused.
     *
     * @throws ZoneQuotaException when the account is full, or no set has room and none can be made
     */
    public synchronized String refused(String zoneName, String setId) {
        Member member = members.values().stream().filter(m -> m.id().equals(setId)).findFirst().orElseThrow();
        Member read = read(member);
        if (read.limit() >= 0 && read.hasRoom()) {
            throw new ZoneQuotaException(zoneName, "Route53 refused it (TooManyHostedZones) while delegation set "
                    + setId + " has room (" + read.zones() + " of " + read.limit() + "), so the account's quota of"
                    + " hosted zones is reached", null);
        }
        // Full until read again after the refresh period, also when the read could not say (no permission).
        long limit = Math.max(read.limit(), 0);
        members.put(member.number(), new Member(member.number(), member.id(), member.nameServers(),
                Math.max(read.zones(), limit), limit, clock.instant()));
        return forNewZone(zoneName, List.of());
    }

    /** Reads a set never read, and one that looked full when last read longer ago than the refresh period. */
    private void refreshIfStale(Member member) {
        boolean stale = member.readAt() != null && !member.hasRoom()
                && !clock.instant().isBefore(member.readAt().plus(refresh));
        if (member.readAt() == null || stale) {
            members.put(member.number(), read(member));
        }
    }

    /** The set's zones and limit from the account; the figures known before when the read is refused. */
    private Member read(Member member) {
        try {
            var limit = call("GetReusableDelegationSetLimit", () -> route53.getReusableDelegationSetLimit(r -> r
                    .delegationSetId(member.id()).type(ReusableDelegationSetLimitType.MAX_ZONES_BY_REUSABLE_DELEGATION_SET)));
            return new Member(member.number(), member.id(), member.nameServers(), limit.count(),
                    limit.limit().value(), clock.instant());
        } catch (RuntimeException e) {
            if (AwsErrors.isRetryable(e)) {
                throw e;
            }
            LOG.warn("could not read the zones of delegation set {} ({}); Route53's refusal stays the limit",
                    member.id(), AwsErrors.errorCode(e));
            return new Member(member.number(), member.id(), member.nameServers(), member.zones(), member.limit(),
                    clock.instant());
        }
    }

    /** Finds the installation's sets by their CallerReferences, every page. */
    private void list() {
        Pattern ours = Pattern.compile(Pattern.quote(reference) + "(?:-(\\d{1,4}))?");
        String marker = null;
        while (true) {
            String from = marker;
            ListReusableDelegationSetsResponse page = call("ListReusableDelegationSets",
                    () -> route53.listReusableDelegationSets(r -> r.marker(from)));
            for (DelegationSet set : page.delegationSets()) {
                Matcher match = set.callerReference() == null ? null : ours.matcher(set.callerReference());
                if (match != null && match.matches()) {
                    int number = match.group(1) == null ? 1 : Integer.parseInt(match.group(1));
                    members.putIfAbsent(number, new Member(number, bareId(set.id()), set.nameServers(), -1, -1, null));
                }
            }
            if (!Boolean.TRUE.equals(page.isTruncated())) {
                break;
            }
            marker = page.nextMarker();
        }
        listed = true;
        LOG.info("the installation has {} reusable delegation set(s) for new zones: {}", members.size(),
                members.values().stream().map(Member::id).toList());
    }

    /** Creates the set after the highest-numbered one; another instance creating it first is as good. */
    private Member createNext(String zoneName) {
        int number = members.isEmpty() ? 1 : members.lastKey() + 1;
        String callerReference = number == 1 ? reference : reference + "-" + number;
        Member made;
        try {
            DelegationSet set = call("CreateReusableDelegationSet",
                    () -> route53.createReusableDelegationSet(r -> r.callerReference(callerReference))).delegationSet();
            LOG.info("created reusable delegation set {} ({} of the installation) for new zones", set.id(), number);
            made = new Member(number, bareId(set.id()), set.nameServers(), 0, -1, null);
        } catch (DelegationSetAlreadyCreatedException raced) {
            list();
            made = Optional.ofNullable(members.get(number)).orElseThrow(() -> raced);
        } catch (LimitsExceededException full) {
            throw new ZoneQuotaException(zoneName, "all " + members.size() + " delegation sets of the installation"
                    + " are full and the account's quota of reusable delegation sets is reached (LimitsExceeded)",
                    full);
        }
        Member read = read(made);
        members.put(number, read);
        return read;
    }

    private static String bareId(String id) {
        return id.startsWith("/delegationset/") ? id.substring("/delegationset/".length()) : id;
    }

    private <T> T call(String operation, Supplier<T> request) {
        return retry.call("route53 " + operation, AwsErrors::isRetryable, request::get);
    }
}
