package io.zonekeeper.provisioner.aws;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.zonekeeper.common.aws.AwsErrors;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.SummaryKeyType;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.AccountLimitType;

/**
 * The account's quotas a new organization draws on: Route53's hosted zones (MAX_HOSTED_ZONES_BY_OWNER, from
 * GetAccountLimit) and IAM's users (Users and UsersQuota, from GetAccountSummary), and, published only, Route53's
 * reusable delegation sets (MAX_REUSABLE_DELEGATION_SETS_BY_OWNER). They are read at most once per refresh period,
 * on the first new organization after it (three calls, whatever the number of organizations), and
 * counted up locally between reads, so a burst of new organizations stops at the quota instead of half-building the
 * one that finds it full. A read adds the zones and users of organizations being built that are still to come
 * ({@link Claim}), which it cannot show, so a read in the middle of a burst hands no place out twice; an account that
 * looks full only by what was counted since the last read is read again before it refuses, so it fills to its last
 * place. One instance per account of the pool ({@link AccountPool}). Published as
 * {@code zonekeeper.aws.quota.used} and {@code zonekeeper.aws.quota.limit} (tags {@code account}: the account's id,
 * {@code own} for the provisioner's own; {@code quota}: {@code hosted_zones}, {@code iam_users},
 * {@code delegation_sets}).
 *
 * <p>A read that fails (credentials without the permission, an outage) keeps the previous figures and refuses
 * nothing: AWS's own refusal at the create stays the backstop.
 */
public final class AccountQuotas {

    private static final Logger LOG = LoggerFactory.getLogger(AccountQuotas.class);

    /** One quota as last read: how much is used of how much. */
    public record Quota(String name, long used, long limit) {

        boolean full() {
            return limit > 0 && used >= limit;
        }
    }

    private final String account;
    private final Route53Client route53;
    private final IamClient iam;
    private final Clock clock;
    private final Duration refresh;
    /** The most zones Zonekeeper fills the account with, below Route53's quota; 0: none. */
    private final int zoneCap;
    private final AtomicLong zones = new AtomicLong(-1);
    private final AtomicLong zoneLimit = new AtomicLong(-1);
    private final AtomicLong users = new AtomicLong(-1);
    private final AtomicLong userLimit = new AtomicLong(-1);
    private final AtomicLong delegationSets = new AtomicLong(-1);
    private final AtomicLong delegationSetLimit = new AtomicLong(-1);
    private volatile Instant readAt;
    /** Zones and users claimed here and not made yet: a read cannot show them, so it counts them as used. */
    private int zonesComing;
    private int usersComing;
    /** Organizations counted up since the last read: figures that may be above what the account holds. */
    private int claimedSinceRead;

    /**
     * Room claimed for one new organization: its zone and its user, until each is made (then a read shows it) or the
     * organization is settled (made, or refused with what was not made never coming).
     */
    public final class Claim {

        private boolean zonePending = true;
        private boolean userPending = true;

        /** The organization's zone exists now (made, or found). */
        public void zoneMade() {
            synchronized (AccountQuotas.this) {
                if (zonePending) {
                    zonePending = false;
                    zonesComing--;
                }
            }
        }

        /** The organization's user exists now. */
        public void userMade() {
            synchronized (AccountQuotas.this) {
                if (userPending) {
                    userPending = false;
                    usersComing--;
                }
            }
        }

        /** Done with the organization, built or not: what was not made is not coming. */
        public void settled() {
            zoneMade();
            userMade();
        }
    }

    /**
     * @param account how the account is named in metrics and refusals
     * @param zoneCap the most hosted zones Zonekeeper fills the account with when below Route53's quota (the zone
     *                names a tenant's key can list); 0: Route53's quota alone
     */
    public AccountQuotas(String account, Route53Client route53, IamClient iam, Clock clock, Duration refresh,
                         int zoneCap, MeterRegistry metrics) {
        this.zoneCap = zoneCap;
        this.account = account;
        this.route53 = route53;
        this.iam = iam;
        this.clock = clock;
        this.refresh = refresh;
        for (var gauge : Map.of("hosted_zones", new AtomicLong[] {zones, zoneLimit},
                "iam_users", new AtomicLong[] {users, userLimit},
                "delegation_sets", new AtomicLong[] {delegationSets, delegationSetLimit}).entrySet()) {
            Gauge.builder("zonekeeper.aws.quota.used", gauge.getValue()[0], v -> v.get() < 0 ? Double.NaN : v.get())
                    .tag("account", account).tag("quota", gauge.getKey()).register(metrics);
            Gauge.builder("zonekeeper.aws.quota.limit", gauge.getValue()[1], v -> v.get() < 0 ? Double.NaN : v.get())
                    .tag("account", account).tag("quota", gauge.getKey()).register(metrics);
        }
    }

    /**
     * Claims room for a new organization's zone and user, before anything of it is made, and counts them as used:
     * the claim, or the quota that is full. An account that looks full by what was counted since the last read is
     * read again first (once: nothing is counted after that while it is full), so an account is refused on what it
     * holds, not on a count that reaps or refusals have left too high.
     */
    public synchronized Result claimRoomForNewOrganization() {
        readIfDue();
        Optional<AccountQuotaException.Full> full = full();
        if (full.isPresent() && claimedSinceRead > 0) {
            read();
            full = full();
        }
        if (full.isPresent()) {
            return new Result(Optional.empty(), full);
        }
        increment(zones);
        increment(users);
        zonesComing++;
        usersComing++;
        claimedSinceRead++;
        return new Result(Optional.of(new Claim()), Optional.empty());
    }

    /** A claim, or why there is none. */
    public record Result(Optional<Claim> claim, Optional<AccountQuotaException.Full> full) {
    }

    private Optional<AccountQuotaException.Full> full() {
        for (Quota quota : new Quota[] {hostedZones(), iamUsers()}) {
            if (quota.full()) {
                return Optional.of(new AccountQuotaException.Full(account, quota));
            }
        }
        return Optional.empty();
    }

    /** Reads the quotas when the last read is older than the refresh period (or there was none). */
    public synchronized void readIfDue() {
        if (readAt == null || !clock.instant().isBefore(readAt.plus(refresh))) {
            read();
        }
    }

    /**
     * How many more organizations fit, as last read: the fewer of the zones and users left; {@link Long#MAX_VALUE}
     * while neither is known (a read refused: the account's own refusal is the limit then).
     */
    public long room() {
        long room = Long.MAX_VALUE;
        for (Quota quota : new Quota[] {hostedZones(), iamUsers()}) {
            if (quota.limit() > 0 && quota.used() >= 0) {
                room = Math.min(room, Math.max(0, quota.limit() - quota.used()));
            }
        }
        return room;
    }

    public Quota delegationSets() {
        return new Quota("Route53 reusable delegation sets (MAX_REUSABLE_DELEGATION_SETS_BY_OWNER)",
                delegationSets.get(), delegationSetLimit.get());
    }

    public Quota hostedZones() {
        return new Quota(capped() ? "hosted zones (AWS_ACCOUNT_MAX_ZONES)"
                : "Route53 hosted zones (MAX_HOSTED_ZONES_BY_OWNER)", zones.get(), zoneLimit.get());
    }

    private boolean capped() {
        return zoneCap > 0 && zoneLimit.get() == zoneCap;
    }

    public Quota iamUsers() {
        return new Quota("IAM users (UsersQuota)", users.get(), userLimit.get());
    }

    private void read() {
        // Read once a period even when it fails, so a missing permission costs one call a period, not one an org.
        readAt = clock.instant();
        claimedSinceRead = 0;
        readRoute53(AccountLimitType.MAX_HOSTED_ZONES_BY_OWNER, zones, zoneLimit);
        // Organizations being built have zones and users still to come, which the read cannot show: counted as used
        // until they are made, so a read in the middle of a burst does not hand their places out again.
        zones.updateAndGet(v -> v < 0 ? v : v + zonesComing);
        if (zoneCap > 0) {
            zoneLimit.updateAndGet(limit -> limit < 0 ? zoneCap : Math.min(limit, zoneCap));
        }
        // Published only: the pool of delegation sets meets this quota as Route53's refusal of a new set.
        readRoute53(AccountLimitType.MAX_REUSABLE_DELEGATION_SETS_BY_OWNER, delegationSets, delegationSetLimit);
        try {
            Map<SummaryKeyType, Integer> summary = iam.getAccountSummary().summaryMap();
            int read = summary.getOrDefault(SummaryKeyType.USERS, -1);
            users.set(read < 0 ? read : read + usersComing);
            userLimit.set(summary.getOrDefault(SummaryKeyType.USERS_QUOTA, -1));
        } catch (RuntimeException e) {
            LOG.warn("could not read the IAM user quota of account {} ({}); IAM's own refusal stays the limit",
                    account, AwsErrors.errorCode(e));
        }
    }

    private void readRoute53(AccountLimitType type, AtomicLong used, AtomicLong limit) {
        try {
            var read = route53.getAccountLimit(r -> r.type(type));
            used.set(read.count());
            limit.set(read.limit().value());
        } catch (RuntimeException e) {
            LOG.warn("could not read the Route53 quota {} of account {} ({}); Route53's own refusal stays the limit",
                    type, account, AwsErrors.errorCode(e));
        }
    }

    private static void increment(AtomicLong used) {
        used.updateAndGet(v -> v < 0 ? v : v + 1);
    }
}
