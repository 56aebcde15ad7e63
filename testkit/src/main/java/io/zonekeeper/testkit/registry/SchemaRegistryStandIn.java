package io.zonekeeper.testkit.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.zonekeeper.testkit.JsonExchange;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaParseException;

/**
 * An in-process HTTP server speaking the subset of Confluent Schema Registry's REST API that Avro serdes use:
 * register a schema under a subject, look one up by id, by subject and version, or by content, and list
 * subjects and versions. Like the real registry, ids are global (the same schema under two subjects has one
 * id) and a new version must be BACKWARD compatible with the subject's latest one, else 409.
 */
public final class SchemaRegistryStandIn implements AutoCloseable {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final HttpServer server;
    /** canonical schema text -> id. Guarded by {@code this}, like the maps below. */
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    /** subject -> versions (1-based list position) of schema ids. */
    private final Map<String, List<Integer>> subjects = new TreeMap<>();
    private int nextId = 1;

    private SchemaRegistryStandIn() {
        server = JsonExchange.loopbackServer("schema-registry-stand-in");
        server.createContext("/", this::handle);
    }

    public static SchemaRegistryStandIn start() {
        SchemaRegistryStandIn registry = new SchemaRegistryStandIn();
        registry.server.start();
        return registry;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Registers directly, as an operator would ahead of a deployment; returns the id. */
    public synchronized int register(String subject, Schema schema) {
        return registerCanonical(subject, schema.toString());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String[] path = exchange.getRequestURI().getRawPath().replaceAll("^/+|/+$", "").split("/");
            String method = exchange.getRequestMethod();
            synchronized (this) {
                route(exchange, method, path);
            }
        } catch (RuntimeException e) {
            error(exchange, 500, 50001, "stand-in failure: " + e.getMessage());
        }
    }

    private void route(HttpExchange exchange, String method, String[] path) throws IOException {
        if (path.length == 3 && path[0].equals("schemas") && path[1].equals("ids") && method.equals("GET")) {
            String schema = schemasById.get(Integer.parseInt(path[2]));
            if (schema == null) {
                error(exchange, 404, 40403, "Schema " + path[2] + " not found");
            } else {
                ok(exchange, Map.of("schema", schema));
            }
        } else if (path.length == 1 && path[0].equals("subjects") && method.equals("GET")) {
            ok(exchange, new ArrayList<>(subjects.keySet()));
        } else if (path.length == 2 && path[0].equals("subjects") && method.equals("POST")) {
            lookup(exchange, decode(path[1]));
        } else if (path.length == 3 && path[0].equals("subjects") && path[2].equals("versions")) {
            String subject = decode(path[1]);
            if (method.equals("POST")) {
                registerRequest(exchange, subject);
            } else if (!subjects.containsKey(subject)) {
                error(exchange, 404, 40401, "Subject '" + subject + "' not found.");
            } else {
                List<Integer> versions = new ArrayList<>();
                for (int v = 1; v <= subjects.get(subject).size(); v++) {
                    versions.add(v);
                }
                ok(exchange, versions);
            }
        } else if (path.length == 4 && path[0].equals("subjects") && path[2].equals("versions") && method.equals("GET")) {
            version(exchange, decode(path[1]), path[3]);
        } else {
            error(exchange, 404, 404, "HTTP 404 Not Found");
        }
    }

    private void registerRequest(HttpExchange exchange, String subject) throws IOException {
        String canonical = canonicalSchemaOf(exchange);
        if (canonical == null) {
            error(exchange, 422, 42201, "Invalid schema");
            return;
        }
        List<Integer> versions = subjects.getOrDefault(subject, List.of());
        if (!versions.isEmpty()) {
            Schema latest = new Schema.Parser().parse(schemasById.get(versions.get(versions.size() - 1)));
            Schema candidate = new Schema.Parser().parse(canonical);
            Integer existing = idsBySchema.get(canonical);
            boolean alreadyInSubject = existing != null && versions.contains(existing);
            if (!alreadyInSubject && SchemaCompatibility.checkReaderWriterCompatibility(candidate, latest).getType()
                    != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                error(exchange, 409, 409, "Schema being registered is incompatible with an earlier schema for subject \""
                        + subject + "\"");
                return;
            }
        }
        ok(exchange, Map.of("id", registerCanonical(subject, canonical)));
    }

    private void lookup(HttpExchange exchange, String subject) throws IOException {
        String canonical = canonicalSchemaOf(exchange);
        List<Integer> versions = subjects.get(subject);
        if (versions == null) {
            error(exchange, 404, 40401, "Subject '" + subject + "' not found.");
            return;
        }
        Integer id = canonical == null ? null : idsBySchema.get(canonical);
        int index = id == null ? -1 : versions.indexOf(id);
        if (index < 0) {
            error(exchange, 404, 40403, "Schema not found");
            return;
        }
        ok(exchange, describe(subject, index + 1));
    }

    private void version(HttpExchange exchange, String subject, String version) throws IOException {
        List<Integer> versions = subjects.get(subject);
        if (versions == null) {
            error(exchange, 404, 40401, "Subject '" + subject + "' not found.");
            return;
        }
        int number = version.equals("latest") ? versions.size() : Integer.parseInt(version);
        if (number < 1 || number > versions.size()) {
            error(exchange, 404, 40402, "Version " + version + " not found.");
            return;
        }
        ok(exchange, describe(subject, number));
    }

    private Map<String, Object> describe(String subject, int version) {
        int id = subjects.get(subject).get(version - 1);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subject", subject);
        body.put("version", version);
        body.put("id", id);
        body.put("schema", schemasById.get(id));
        return body;
    }

    private int registerCanonical(String subject, String canonical) {
        int id = idsBySchema.computeIfAbsent(canonical, s -> {
            int assigned = nextId++;
            schemasById.put(assigned, s);
            return assigned;
        });
        List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    /** The request's schema in Avro's canonical JSON, or null when it is not a valid Avro schema. */
    private static String canonicalSchemaOf(HttpExchange exchange) throws IOException {
        JsonNode request = JsonExchange.readBody(exchange);
        String type = request.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO") || !request.path("schema").isTextual()) {
            return null;
        }
        try {
            return new Schema.Parser().parse(request.get("schema").asText()).toString();
        } catch (SchemaParseException e) {
            return null;
        }
    }

    private static String decode(String raw) {
        return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    }

    private static void ok(HttpExchange exchange, Object body) throws IOException {
        JsonExchange.respond(exchange, 200, CONTENT_TYPE, body);
    }

    private static void error(HttpExchange exchange, int status, int code, String message) throws IOException {
        JsonExchange.respond(exchange, status, CONTENT_TYPE, Map.of("error_code", code, "message", message));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
