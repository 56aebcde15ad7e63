package io.zonekeeper.testkit.vault;

import static io.zonekeeper.testkit.JsonExchange.MAPPER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.zonekeeper.testkit.JsonExchange;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process HTTP server speaking the part of Vault's API that Zonekeeper uses: KV version 2 secret engines
 * (data, metadata, delete, undelete, destroy, list; versions and check-and-set), token authentication with 403
 * on a wrong token, and {@code sys/health}. Responses have Vault's JSON shapes, so Spring Vault talks to it as
 * to the real thing. Counts requests by method so tests can assert that a replay writes nothing.
 */
public final class VaultStandIn implements AutoCloseable {

    private static final String JSON = "application/json";

    private final HttpServer server;
    private final String token;
    private final Set<String> mounts;
    private final Clock clock;
    /** mount -> path -> history. Guarded by {@code this}. */
    private final Map<String, Map<String, SecretHistory>> engines = new TreeMap<>();
    private final Map<String, AtomicLong> requestsByMethod = new ConcurrentHashMap<>();

    private VaultStandIn(String token, Set<String> mounts, Clock clock) {
        this.token = token;
        this.mounts = Set.copyOf(mounts);
        this.clock = clock;
        mounts.forEach(m -> engines.put(m, new TreeMap<>()));
        this.server = JsonExchange.loopbackServer("vault-stand-in");
        server.createContext("/v1/", this::handle);
    }

    /** Starts a stand-in with the given root token and KV v2 engines mounted at the given paths. */
    public static VaultStandIn start(String token, String... kvMounts) {
        VaultStandIn vault = new VaultStandIn(token, Set.of(kvMounts.length == 0 ? new String[] {"secret"} : kvMounts),
                Clock.systemUTC());
        vault.server.start();
        return vault;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public String token() {
        return token;
    }

    /** Writes a new version directly, as an operator or the upstream provisioner would through the CLI. */
    public synchronized int write(String mount, String path, Map<String, ?> data) {
        return history(mount, path, true).add(MAPPER.valueToTree(data), now()).version();
    }

    /** The latest live version's data, read directly. */
    public synchronized Optional<Map<String, Object>> read(String mount, String path) {
        SecretHistory history = history(mount, path, false);
        if (history == null || history.current() == null || !history.current().live()) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> data = MAPPER.convertValue(history.current().data(), Map.class);
        return Optional.of(data);
    }

    /** Current version number of a secret, 0 when it never existed. */
    public synchronized int currentVersion(String mount, String path) {
        SecretHistory history = history(mount, path, false);
        return history == null ? 0 : history.currentVersion();
    }

    /** Requests received with this HTTP method since start or the last {@link #resetCounts()}. */
    public long requests(String method) {
        AtomicLong count = requestsByMethod.get(method);
        return count == null ? 0 : count.get();
    }

    /** Requests that may change state: POST, PUT and DELETE. */
    public long mutatingRequests() {
        return requests("POST") + requests("PUT") + requests("DELETE");
    }

    public void resetCounts() {
        requestsByMethod.clear();
    }

    /** Forgets every secret. */
    public synchronized void clear() {
        engines.values().forEach(Map::clear);
        resetCounts();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            requestsByMethod.computeIfAbsent(method, m -> new AtomicLong()).incrementAndGet();
            String rawPath = exchange.getRequestURI().getPath().substring("/v1/".length());
            if (rawPath.equals("sys/health")) {
                JsonExchange.respond(exchange, 200, JSON, Map.of("initialized", true, "sealed", false,
                        "standby", false, "version", "stand-in", "server_time_utc", now().getEpochSecond()));
                return;
            }
            if (!token.equals(exchange.getRequestHeaders().getFirst("X-Vault-Token"))) {
                errors(exchange, 403, "permission denied");
                return;
            }
            String[] parts = rawPath.split("/", 3);
            if (parts.length < 2 || !mounts.contains(parts[0])) {
                errors(exchange, 404, "no handler for route \"" + rawPath + "\". route entry not found.");
                return;
            }
            String mount = parts[0];
            String operation = parts[1];
            String path = parts.length == 3 ? trimSlashes(parts[2]) : "";
            String query = Optional.ofNullable(exchange.getRequestURI().getQuery()).orElse("");
            boolean list = method.equals("LIST") || query.contains("list=true");
            synchronized (this) {
                switch (operation) {
                    case "data" -> data(exchange, method, mount, path, query);
                    case "metadata" -> {
                        if (list) {
                            list(exchange, mount, path);
                        } else {
                            metadata(exchange, method, mount, path);
                        }
                    }
                    case "delete" -> versions(exchange, mount, path, SecretHistory::delete);
                    case "undelete" -> versions(exchange, mount, path, SecretHistory::undelete);
                    case "destroy" -> versions(exchange, mount, path, SecretHistory::destroy);
                    default -> errors(exchange, 404, "unsupported path");
                }
            }
        }
    }

    private void data(HttpExchange exchange, String method, String mount, String path, String query) throws IOException {
        switch (method) {
            case "GET" -> {
                SecretHistory history = history(mount, path, false);
                int requested = queryInt(query, "version");
                SecretVersion version = history == null ? null
                        : requested > 0 ? history.version(requested) : history.current();
                if (version == null) {
                    errors(exchange, 404);
                    return;
                }
                ObjectNode body = MAPPER.createObjectNode();
                body.set("data", version.live() ? version.data() : MAPPER.nullNode());
                body.set("metadata", version.metadataJson());
                // Vault answers 404 for a deleted or destroyed version, but still says which one it was.
                JsonExchange.respond(exchange, version.live() ? 200 : 404, JSON, envelope(body));
            }
            case "POST", "PUT" -> {
                JsonNode request = JsonExchange.readBody(exchange);
                JsonNode data = request.get("data");
                if (data == null || !data.isObject()) {
                    errors(exchange, 400, "no data provided");
                    return;
                }
                SecretHistory existing = history(mount, path, false);
                JsonNode cas = request.path("options").get("cas");
                int current = existing == null ? 0 : existing.currentVersion();
                if (cas != null && cas.asInt() != current) {
                    errors(exchange, 400, "check-and-set parameter did not match the current version");
                    return;
                }
                SecretVersion written = history(mount, path, true).add(data, now());
                JsonExchange.respond(exchange, 200, JSON, envelope(written.metadataJson()));
            }
            case "DELETE" -> {
                SecretHistory history = history(mount, path, false);
                if (history != null && history.current() != null) {
                    history.delete(List.of(history.currentVersion()), now());
                }
                JsonExchange.respond(exchange, 204, JSON, null);
            }
            default -> errors(exchange, 405, "unsupported operation");
        }
    }

    private void metadata(HttpExchange exchange, String method, String mount, String path) throws IOException {
        SecretHistory history = history(mount, path, false);
        switch (method) {
            case "GET" -> {
                if (history == null) {
                    errors(exchange, 404);
                } else {
                    JsonExchange.respond(exchange, 200, JSON, envelope(history.metadataJson()));
                }
            }
            case "POST", "PUT" -> {
                JsonNode request = JsonExchange.readBody(exchange);
                SecretHistory target = history(mount, path, true);
                if (request.has("max_versions")) {
                    target.maxVersions(request.get("max_versions").asInt());
                }
                if (request.has("cas_required")) {
                    target.casRequired(request.get("cas_required").asBoolean());
                }
                JsonExchange.respond(exchange, 204, JSON, null);
            }
            case "DELETE" -> {
                engines.get(mount).remove(path);
                JsonExchange.respond(exchange, 204, JSON, null);
            }
            default -> errors(exchange, 405, "unsupported operation");
        }
    }

    private void list(HttpExchange exchange, String mount, String prefix) throws IOException {
        String base = prefix.isEmpty() ? "" : prefix + "/";
        Set<String> keys = new TreeSet<>();
        for (String path : engines.get(mount).keySet()) {
            if (path.startsWith(base)) {
                String rest = path.substring(base.length());
                int slash = rest.indexOf('/');
                keys.add(slash < 0 ? rest : rest.substring(0, slash + 1));
            }
        }
        if (keys.isEmpty()) {
            errors(exchange, 404);
            return;
        }
        JsonExchange.respond(exchange, 200, JSON, envelope(MAPPER.valueToTree(Map.of("keys", new ArrayList<>(keys)))));
    }

    private interface VersionsOperation {
        void apply(SecretHistory history, List<Integer> versions, Instant now);
    }

    private void versions(HttpExchange exchange, String mount, String path, VersionsOperation operation)
            throws IOException {
        JsonNode request = JsonExchange.readBody(exchange);
        List<Integer> versions = new ArrayList<>();
        request.path("versions").forEach(v -> versions.add(v.asInt()));
        if (versions.isEmpty()) {
            errors(exchange, 400, "no versions provided");
            return;
        }
        SecretHistory history = history(mount, path, false);
        if (history != null) {
            operation.apply(history, versions, now());
        }
        JsonExchange.respond(exchange, 204, JSON, null);
    }

    private SecretHistory history(String mount, String path, boolean create) {
        Map<String, SecretHistory> engine = engines.get(mount);
        if (engine == null) {
            throw new IllegalArgumentException("no KV v2 engine mounted at " + mount);
        }
        return create ? engine.computeIfAbsent(path, p -> new SecretHistory()) : engine.get(path);
    }

    private Instant now() {
        return clock.instant();
    }

    private static ObjectNode envelope(JsonNode data) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("request_id", java.util.UUID.randomUUID().toString());
        body.put("lease_id", "");
        body.put("renewable", false);
        body.put("lease_duration", 0);
        body.put("data", data);
        body.put("wrap_info", null);
        body.put("warnings", null);
        body.put("auth", null);
        return MAPPER.valueToTree(body);
    }

    private static void errors(HttpExchange exchange, int status, String... errors) throws IOException {
        JsonExchange.respond(exchange, status, JSON, Map.of("errors", List.of(errors)));
    }

    private static int queryInt(String query, String name) {
        for (String pair : query.split("&")) {
            if (pair.startsWith(name + "=")) {
                return Integer.parseInt(pair.substring(name.length() + 1));
            }
        }
        return 0;
    }

    private static String trimSlashes(String path) {
        String trimmed = path;
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
