package io.zonekeeper.provisioner.aws;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The AWS accounts the provisioner places organizations in, and the account of the parent zone.
 *
 * <p>Without a configured pool it is the provisioner's own account, and nothing changes for an installation that had
 * none. With one, new organizations go into the pool's accounts only; organizations made before it (their states
 * name no account) stay in the provisioner's own account, which is always reachable for them.
 *
 * <p>Placement spreads ({@link #place}): a new organization goes into the account with the fewest hosted zones among
 * those with room for its zone and user. Filling accounts in order would be the other choice; spreading is chosen
 * because what grows with an account's organizations grows faster than linearly: every ExternalDNS in an account
 * lists every zone of the account (ExternalDNS's zone listing is not filtered by {@code --zone-id-filter}), and they
 * all poll one Route53 bucket of 10 requests/s, so N zones in one account cost about N squared over 100 requests per
 * polling period where two accounts of N/2 cost half of it. Spreading also bounds how many zone names a tenant's key
 * can list (README, security notes) evenly. An account the quotas could not be read for is tried last.
 */
public final class AccountPool {

    /** A zone of some account of the pool. */
    public record Located(AwsAccount account, String zoneId) {
    }

    /** Where a new organization goes, and the room claimed there for it. */
    public record Placement(AwsAccount account, AccountQuotas.Claim claim) {
    }

    private final AwsAccount own;
    private final List<AwsAccount> placement;
    private final Map<String, AwsAccount> byId;
    private final ParentZone parent;

    /**
     * @param own       the provisioner's own account
     * @param pool      the accounts new organizations go into; empty: the own account
     * @param parent    the base domain's zone, in one of them
     */
    public AccountPool(AwsAccount own, List<AwsAccount> pool, ParentZone parent) {
        this.own = own;
        this.placement = pool.isEmpty() ? List.of(own) : List.copyOf(pool);
        this.byId = pool.stream().collect(Collectors.toUnmodifiableMap(AwsAccount::id, Function.identity()));
        this.parent = parent;
    }

    public ParentZone parent() {
        return parent;
    }

    /** Whether organizations are spread over more than one account. */
    public boolean spreads() {
        return placement.size() > 1;
    }

    /** Every account an organization may be in: the pool's, and the own account. */
    public List<AwsAccount> all() {
        List<AwsAccount> all = new ArrayList<>(placement);
        if (!all.contains(own)) {
            all.add(own);
        }
        return all;
    }

    /** The account an organization's state names (null: the provisioner's own). */
    public AwsAccount of(String orgId, String accountId) {
        if (accountId == null) {
            return own;
        }
        AwsAccount account = byId.get(accountId);
        if (account == null) {
            throw new AccountNotInPoolException(orgId, accountId);
        }
        return account;
    }

    /**
     * The account a new organization goes into, with room claimed there for its zone and user; refused with every
     * account's reason when none has room. Quotas older than their refresh period are read again first, so the
     * choice compares current figures.
     */
    public synchronized Placement place(String orgId, String zoneName) {
        placement.forEach(account -> account.quotas().readIfDue());
        List<AwsAccount> candidates = placement.stream()
                .sorted(Comparator.comparingLong(AccountPool::zonesUsed)).toList();
        List<AccountQuotaException.Full> full = new ArrayList<>();
        for (AwsAccount account : candidates) {
            AccountQuotas.Result claimed = account.quotas().claimRoomForNewOrganization();
            if (claimed.claim().isPresent()) {
                return new Placement(account, claimed.claim().get());
            }
            full.add(claimed.full().orElseThrow());
        }
        throw new AccountQuotaException(orgId, zoneName, full);
    }

    /** The zones of this name in every account: only on the rare path where an organization's state was lost. */
    public List<Located> zonesNamed(String zoneName) {
        List<Located> found = new ArrayList<>();
        for (AwsAccount account : all()) {
            account.zones().zoneIdsNamed(zoneName).forEach(id -> found.add(new Located(account, id)));
        }
        return found;
    }

    private static long zonesUsed(AwsAccount account) {
        long used = account.quotas().hostedZones().used();
        return used < 0 ? Long.MAX_VALUE : used;
    }
}
