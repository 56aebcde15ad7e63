package io.zonekeeper.reaper;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The answers to the reaper's queries, wherever the state lives: a single organization from the instance that owns
 * it, a page merged from every instance's share. Peers are asked for their local share only, so a request is
 * forwarded at most once. While the group rebalances the answer is 503: a partial or stale view would be worse than
 * a short wait.
 */
final class OrgQueryService {

    private final OrgStores stores;
    private final OrgMetadataService metadata;
    private final ReaperPeers peers;
    private final HostInfo self;
    private final int lifecyclePartitions;

    /**
     * @param lifecyclePartitions how many partitions the lifecycle topic has: a page is only complete when the
     *                            instances asked together own all of them
     */
    OrgQueryService(OrgStores stores, OrgMetadataService metadata, ReaperPeers peers, HostInfo self,
                    int lifecyclePartitions) {
        this.stores = stores;
        this.metadata = metadata;
        this.peers = peers;
        this.self = self;
        this.lifecyclePartitions = lifecyclePartitions;
    }

    /** One organization, asked of the instance that owns it. */
    QueryAnswer org(String orgId) {
        return metadata.ownerOf(orgId)
                .map(owner -> owner.equals(self) ? localOrg(orgId) : peers.ask(owner, "/orgs/"
                        + URLEncoder.encode(orgId, StandardCharsets.UTF_8) + "?scope=local"))
                .orElseGet(() -> QueryAnswer.error(503, "no instance owns organization " + orgId
                        + " right now (rebalancing)"));
    }

    /** One organization from this instance's stores. */
    QueryAnswer localOrg(String orgId) {
        return stores.get(orgId).map(v -> QueryAnswer.json(200, v)).orElseGet(() -> QueryAnswer.error(404,
                "organization " + orgId + " is unknown to the reaper"));
    }

    /** This instance's first {@code limit} organizations after the cursor. */
    QueryAnswer localPage(String after, int limit) {
        if (!metadata.running()) {
            return QueryAnswer.error(503, "this instance is " + metadata.state());
        }
        return QueryAnswer.json(200, Map.of("orgs", stores.page(after, limit)));
    }

    /** Every instance's first {@code limit} organizations after the cursor, merged: the global first ones. */
    QueryAnswer page(String after, int limit) {
        // A page merged while partitions move between instances could miss or repeat organizations: only answer
        // when the instances own every partition, and the ownership did not change while they were asked.
        Map<HostInfo, Set<Integer>> owners = metadata.owners();
        Set<Integer> covered = new HashSet<>();
        owners.values().forEach(covered::addAll);
        if (!metadata.running() || covered.size() < lifecyclePartitions) {
            return QueryAnswer.error(503, "partitions are moving between instances (" + covered.size() + " of "
                    + lifecyclePartitions + " owned); ask again shortly");
        }
        List<OrgView> merged = new ArrayList<>();
        boolean more = false;
        for (HostInfo instance : metadata.instances()) {
            List<OrgView> share;
            if (instance.equals(self)) {
                share = stores.page(after, limit);
            } else {
                QueryAnswer answer = peers.ask(instance, "/orgs?scope=local&limit=" + limit
                        + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8)));
                if (answer.status() != 200) {
                    return answer;
                }
                try {
                    share = List.of(QueryAnswer.JSON.readValue(answer.body(), LocalPage.class).orgs());
                } catch (IOException e) {
                    return QueryAnswer.error(502, "unreadable answer from " + instance);
                }
            }
            more |= share.size() == limit;
            merged.addAll(share);
        }
        if (!metadata.owners().equals(owners)) {
            return QueryAnswer.error(503, "partitions moved between instances while the page was read; ask again");
        }
        merged.sort(Comparator.comparing(OrgView::orgId));
        List<OrgView> page = merged.subList(0, Math.min(limit, merged.size()));
        more |= merged.size() > limit;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("orgs", page);
        body.put("next", more && !page.isEmpty() ? page.get(page.size() - 1).orgId() : null);
        return QueryAnswer.json(200, body);
    }

    /** What a peer answers for its local share. */
    private record LocalPage(OrgView[] orgs) {
    }
}
