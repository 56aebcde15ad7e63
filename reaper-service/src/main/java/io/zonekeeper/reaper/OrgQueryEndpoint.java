package io.zonekeeper.reaper;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.zonekeeper.common.events.Identifiers;
import io.zonekeeper.common.events.InvalidEventException;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * The HTTP front of the {@link OrgQueryService}: {@code GET /orgs/{orgId}} and {@code GET /orgs?after=&limit=} on
 * the operations port. Any instance answers; {@code scope=local} (what peers send) answers from this instance's
 * stores only. Parses and validates the request, renders the answer, and says when to ask again (a 503 carries
 * {@code Retry-After}).
 */
final class OrgQueryEndpoint implements HttpHandler {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final OrgQueryService queries;

    OrgQueryEndpoint(OrgQueryService queries) {
        this.queries = queries;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            QueryAnswer answer = exchange.getRequestMethod().equals("GET") ? answer(exchange.getRequestURI())
                    : QueryAnswer.error(405, "only GET");
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (answer.status() == 503) {
                exchange.getResponseHeaders().set("Retry-After", "2");
            }
            exchange.sendResponseHeaders(answer.status(), bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private QueryAnswer answer(URI uri) {
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
                return local ? queries.localPage(after, limit) : queries.page(after, limit);
            }
            String orgId = Identifiers.orgId(URLDecoder.decode(path.substring("/orgs/".length()),
                    StandardCharsets.UTF_8));
            return local ? queries.localOrg(orgId) : queries.org(orgId);
        } catch (InvalidEventException | IllegalArgumentException e) {
            return QueryAnswer.error(400, e.getMessage());
        } catch (InvalidStateStoreException e) {
            return QueryAnswer.error(503, "state stores are not queryable right now (rebalancing or restoring)");
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
