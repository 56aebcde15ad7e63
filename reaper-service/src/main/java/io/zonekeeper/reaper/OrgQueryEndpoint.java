package io.zonekeeper.reaper;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.zonekeeper.common.events.Identifiers;
import io.zonekeeper.common.events.InvalidEventException;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /orgs/{orgId}} and {@code GET /orgs?after=&limit=} over the reaper's state stores (interactive
 * queries). Any instance answers: a single organization is fetched from the instance that owns its key, a page
 * is merged from every instance's share. Peers are asked with {@code scope=local}, which answers from local
 * stores only, so a request is forwarded at most once. While the group rebalances the answer is 503 with
 * {@code Retry-After}: a partial or stale view would be worse than a short wait.
 */
final class OrgQueryEndpoint implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(OrgQueryEndpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final KafkaStreams streams;
    private final OrgStores stores;
    private final HostInfo self;
    private final HttpClient http;
    private final Duration peerTimeout;
    private final String lifecycleTopic;
    private final int lifecyclePartitions;

    /**
     * @param lifecyclePartitions how many partitions the lifecycle topic has: a page is only complete when the
     *                            instances asked together own all of them
     */
    OrgQueryEndpoint(KafkaStreams streams, HostInfo self, Duration peerTimeout, String lifecycleTopic,
                     int lifecyclePartitions) {
        this.streams = streams;
        this.lifecycleTopic = lifecycleTopic;
        this.lifecyclePartitions = lifecyclePartitions;
        this.stores = new OrgStores(streams, lifecycleTopic, self.host() + ":" + self.port());
        this.self = self;
        this.peerTimeout = peerTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(peerTimeout).build();
    }

    /** An answer: HTTP status and a JSON body. */
    private record Answer(int status, String body) {

        static Answer json(int status, Object value) {
            try {
                return new Answer(status, JSON.writeValueAsString(value));
            } catch (IOException e) {
                throw new IllegalStateException("cannot render the answer", e);
            }
        }

        static Answer error(int status, String message) {
            return json(status, Map.of("error", message));
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Answer answer;
            if (!exchange.getRequestMethod().equals("GET")) {
                answer = Answer.error(405, "only GET");
            } else {
                answer = answer(exchange.getRequestURI());
            }
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (answer.status() == 503) {
                exchange.getResponseHeaders().set("Retry-After", "2");
            }
            exchange.sendResponseHeaders(answer.status(), bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private Answer answer(URI uri) {
        Map<String, String> query = query(uri.getRawQuery());
        boolean local = "local".equals(query.get("scope"));
        String path = uri.getPath();
        try {
            if (path.equals("/orgs") || path.equals("/orgs/")) {
                int limit = limit(query.get("limit"));
                String after = query.get("after");
                if (after != null) {
                    Identifiers.orgId(after);
                }
                if (local && streams.state() != KafkaStreams.State.RUNNING) {
                    return Answer.error(503, "this instance is " + streams.state());
                }
                return local ? Answer.json(200, Map.of("orgs", stores.page(after, limit))) : page(after, limit);
            }
            String orgId = Identifiers.orgId(URLDecoder.decode(path.substring("/orgs/".length()), StandardCharsets.UTF_8));
            return local ? localOrg(orgId) : org(orgId);
        } catch (InvalidEventException | IllegalArgumentException e) {
            return Answer.error(400, e.getMessage());
        } catch (InvalidStateStoreException e) {
            return Answer.error(503, "state stores are not queryable right now (rebalancing or restoring)");
        }
    }

    private Answer org(String orgId) {
        KeyQueryMetadata owner = streams.queryMetadataForKey(Topics.USAGE_STORE, orgId, Serdes.String().serializer());
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return Answer.error(503, "no instance owns organization " + orgId + " right now (rebalancing)");
        }
        if (owner.activeHost().equals(self)) {
            return localOrg(orgId);
        }
        return ask(owner.activeHost(), "/orgs/" + URLEncoder.encode(orgId, StandardCharsets.UTF_8) + "?scope=local");
    }

    private Answer localOrg(String orgId) {
        Optional<OrgView> view = stores.get(orgId);
        return view.map(v -> Answer.json(200, v)).orElseGet(() -> Answer.error(404, "organization " + orgId
                + " is unknown to the reaper"));
    }

    /** Every instance's first {@code limit} organizations after the cursor, merged: the global first ones. */
    private Answer page(String after, int limit) {
        // A page merged while partitions move between instances could miss or repeat organizations: only answer
        // when the instances own every partition, and the ownership did not change while they were asked.
        Map<HostInfo, Set<Integer>> owners = owners();
        Set<Integer> covered = new HashSet<>();
        owners.values().forEach(covered::addAll);
        if (streams.state() != KafkaStreams.State.RUNNING || covered.size() < lifecyclePartitions) {
            return Answer.error(503, "partitions are moving between instances (" + covered.size() + " of "
                    + lifecyclePartitions + " owned); ask again shortly");
        }
        List<OrgView> merged = new ArrayList<>();
        boolean more = false;
        for (StreamsMetadata instance : streams.streamsMetadataForStore(Topics.USAGE_STORE)) {
            List<OrgView> share;
            if (instance.hostInfo().equals(self)) {
                share = stores.page(after, limit);
            } else {
                Answer answer = ask(instance.hostInfo(), "/orgs?scope=local&limit=" + limit
                        + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8)));
                if (answer.status() != 200) {
                    return answer;
                }
                try {
                    share = List.of(JSON.readValue(answer.body(), LocalPage.class).orgs());
                } catch (IOException e) {
                    return Answer.error(502, "unreadable answer from " + instance.hostInfo());
                }
            }
            more |= share.size() == limit;
            merged.addAll(share);
        }
        if (!owners().equals(owners)) {
            return Answer.error(503, "partitions moved between instances while the page was read; ask again");
        }
        merged.sort(Comparator.comparing(OrgView::orgId));
        List<OrgView> page = merged.subList(0, Math.min(limit, merged.size()));
        more |= merged.size() > limit;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("orgs", page);
        body.put("next", more && !page.isEmpty() ? page.get(page.size() - 1).orgId() : null);
        return Answer.json(200, body);
    }

    /** Which lifecycle partitions each instance owns (actively) now. */
    private Map<HostInfo, Set<Integer>> owners() {
        Map<HostInfo, Set<Integer>> owners = new HashMap<>();
        for (StreamsMetadata instance : streams.streamsMetadataForStore(Topics.USAGE_STORE)) {
            Set<Integer> partitions = new HashSet<>();
            instance.topicPartitions().stream().filter(tp -> tp.topic().equals(lifecycleTopic))
                    .forEach(tp -> partitions.add(tp.partition()));
            owners.put(instance.hostInfo(), partitions);
        }
        return owners;
    }

    /** What a peer answers for {@code scope=local}. */
    private record LocalPage(OrgView[] orgs) {
    }

    private Answer ask(HostInfo peer, String pathAndQuery) {
        URI uri = URI.create("http://" + peer.host() + ":" + peer.port() + pathAndQuery);
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(peerTimeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            LOG.warn("instance {} did not answer {}: {}", peer, pathAndQuery, e.toString());
            return Answer.error(503, "instance " + peer.host() + ":" + peer.port() + " did not answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.error(503, "interrupted");
        }
    }

    private static int limit(String raw) {
        if (raw == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(raw);
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
            }
            return limit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("limit must be a number");
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(name, value);
        }
        return params;
    }
}
