package io.zonekeeper.common.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.retry.TransientFailureException;
import io.zonekeeper.schemas.Contracts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A client of the Confluent Schema Registry REST API (and compatible registries). Schemas are immutable once
 * registered, so lookups are cached for the life of the client; transient failures (I/O, 5xx, 429) are retried
 * through {@link Retry} and surface as {@link SchemaRegistryUnavailableException} if they persist.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI baseUri;
    private final Retry retry;
    private final RegistryAccess access;
    private final HttpClient http;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();

    public RestSchemaRegistryClient(URI baseUri, Retry retry, RegistryAccess access) {
        this.baseUri = URI.create(baseUri.toString().endsWith("/") ? baseUri.toString() : baseUri + "/");
        this.retry = retry;
        this.access = access;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(access.sslContext())
                .build();
    }

    @Override
    public int register(String subject, Schema schema) {
        return cachedId(subject, schema, () -> post("subjects/" + encode(subject) + "/versions", schema));
    }

    @Override
    public int idOf(String subject, Schema schema) {
        return cachedId(subject, schema, () -> post("subjects/" + encode(subject), schema));
    }

    @Override
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode body = call("get schema " + id, HttpRequest.newBuilder(baseUri.resolve("schemas/ids/" + id)).GET());
        Schema schema = new Schema.Parser().parse(body.path("schema").asText());
        schemasById.put(id, schema);
        return schema;
    }

    @Override
    public String compatibility(String subject) {
        try {
            JsonNode own = call("get config of " + subject, HttpRequest.newBuilder(baseUri.resolve("config/"
                    + encode(subject))).GET());
            return level(own);
        } catch (SchemaNotFoundException noneOfItsOwn) {
            // Confluent answers 40408 for a subject without a level of its own; Apicurio answers with the global one.
            return level(call("get global config", HttpRequest.newBuilder(baseUri.resolve("config")).GET()));
        }
    }

    @Override
    public void setCompatibility(String subject, String level) {
        try {
            byte[] body = JSON.writeValueAsBytes(Map.of("compatibility", level));
            call("set config of " + subject, HttpRequest.newBuilder(baseUri.resolve("config/" + encode(subject)))
                    .header("Content-Type", CONTENT_TYPE).PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a config request", e);
        }
    }

    /** {@code compatibilityLevel} in GET answers, {@code compatibility} in PUT answers. */
    private static String level(JsonNode config) {
        return config.hasNonNull("compatibilityLevel") ? config.get("compatibilityLevel").asText()
                : config.path("compatibility").asText("BACKWARD");
    }

    private interface IdLookup {
        JsonNode run();
    }

    private int cachedId(String subject, Schema schema, IdLookup lookup) {
        Map<Schema, Integer> ids = idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = ids.get(schema);
        if (cached != null) {
            return cached;
        }
        int id = lookup.run().path("id").asInt();
        ids.put(schema, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    private JsonNode post(String path, Schema schema) {
        try {
            // The shipped .avsc's own text, so the registry holds what a client of any language using the file
            // registers or looks up (see Contracts.shippedText); any other schema as Avro prints it.
            String text = Contracts.shippedText(schema).orElseGet(schema::toString);
            byte[] body = JSON.writeValueAsBytes(Map.of("schema", text));
            return call("POST " + path, HttpRequest.newBuilder(baseUri.resolve(path))
                    .header("Content-Type", CONTENT_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode schema request", e);
        }
    }

    private JsonNode call(String operation, HttpRequest.Builder request) {
        request.header("Accept", CONTENT_TYPE).timeout(Duration.ofSeconds(10));
        try {
            return retry.call("schema registry " + operation, RestSchemaRegistryClient::isTransient, () -> {
                // The credentials are read for each attempt, so a rotated secret is picked up by the next one.
                access.authorization().ifPresent(value -> request.setHeader("Authorization", value));
                HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                int status = response.statusCode();
                if (status == 200) {
                    return JSON.readTree(response.body());
                }
                String message = messageOf(response.body(), status);
                if (status == 404) {
                    throw new SchemaNotFoundException(operation + ": " + message);
                }
                if (status == 401 || status == 403) {
                    // A configuration fault, not a bad record: retried (a secret may be mid-rotation) and never
                    // dead-lettered; if it persists the registry is unavailable to this service.
                    throw new RegistryServerError(operation + ": the registry refused " + access.credentialsSource()
                            + " (HTTP " + status + " " + message + ")");
                }
                if (status == 429 || status >= 500) {
                    throw new RegistryServerError(operation + ": HTTP " + status + " " + message);
                }
                throw new AvroSerdeException(AvroSerdeException.Problem.SCHEMA_REJECTED,
                        operation + " rejected: HTTP " + status + " " + message);
            });
        } catch (TransientFailureException e) {
            // The last failure's message is this client's own or the HTTP client's, neither of which holds a secret.
            throw new SchemaRegistryUnavailableException("schema registry at " + baseUri + " unavailable: "
                    + e.getMessage() + " (" + e.getCause().getMessage() + ")", e);
        }
    }

    /** The registry's own message; a proxy or a gateway in front of it may answer with HTML or nothing. */
    private static String messageOf(byte[] body, int status) {
        try {
            return JSON.readTree(body).path("message").asText("HTTP " + status);
        } catch (IOException notJson) {
            return "HTTP " + status;
        }
    }

    private static boolean isTransient(Throwable failure) {
        return failure instanceof IOException || failure instanceof UncheckedIOException
                || failure instanceof RegistryServerError;
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8);
    }

    /** A 5xx, 429, 401 or 403 answer: worth another try. */
    private static final class RegistryServerError extends RuntimeException {
        RegistryServerError(String message) {
            super(message);
        }
    }
}
