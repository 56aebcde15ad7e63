package io.zonekeeper.testkit.vault;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonekeeper.testkit.FreePort;
import io.zonekeeper.testkit.JsonExchange;
import io.zonekeeper.testkit.LoopbackProgram;
import io.zonekeeper.testkit.PythonTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenBao, the Vault API fork, as the tests' Vault: {@code bao server -dev} as a child process on a free loopback
 * port (in memory, unsealed, a known root token). One server per JVM; each test world enables a KV v2 mount of its
 * own, so worlds never see each other's secrets. The admin helpers here (write, read, versions, raw API calls)
 * use the root token; the services under test use whatever configuration gives them.
 */
public final class OpenBaoServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpenBaoServer.class);
    public static final String ROOT_TOKEN = "root-token";

    private static OpenBaoServer shared;

    private final LoopbackProgram program;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private OpenBaoServer(LoopbackProgram program) {
        this.program = program;
    }

    /** One server per JVM, started on first use, stopped at exit. */
    public static synchronized OpenBaoServer shared() {
        if (shared == null) {
            shared = start();
            OpenBaoServer toClose = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(toClose::close, "openbao-shutdown"));
        }
        return shared;
    }

    public static OpenBaoServer start() {
        Path executable = PythonTools.executable("bao");
        int port = FreePort.pick();
        LoopbackProgram program = LoopbackProgram.start("openbao", List.of(executable.toString(), "server", "-dev",
                "-dev-root-token-id=" + ROOT_TOKEN, "-dev-listen-address=127.0.0.1:" + port, "-dev-no-store-token"),
                URI.create("http://127.0.0.1:" + port), "/v1/sys/health", Duration.ofSeconds(60));
        LOG.info("OpenBao dev server at {}, log {}", program.endpoint(), program.log());
        return new OpenBaoServer(program);
    }

    public URI endpoint() {
        return program.endpoint();
    }

    public String token() {
        return ROOT_TOKEN;
    }

    /** Enables a KV version 2 secrets engine at {@code mount}, unless one is there already. */
    public void enableKv(String mount) {
        JsonNode mounts = request("GET", "sys/mounts", null).orElseThrow();
        JsonNode data = mounts.has("data") ? mounts.get("data") : mounts;
        if (data.has(mount + "/")) {
            return;
        }
        request("POST", "sys/mounts/" + mount, Map.of("type", "kv", "options", Map.of("version", "2")));
    }

    /** Writes a new version of the secret; returns its version. */
    public int write(String mount, String path, Map<String, ?> data) {
        return request("POST", mount + "/data/" + path, Map.of("data", data)).orElseThrow()
                .path("data").path("version").asInt();
    }

    /** The secret's current data, if it has a readable current version. */
    @SuppressWarnings("unchecked")
    public Optional<Map<String, Object>> read(String mount, String path) {
        return request("GET", mount + "/data/" + path, null)
                .map(body -> body.path("data").path("data"))
                .filter(JsonNode::isObject)
                .map(node -> JsonExchange.MAPPER.convertValue(node, Map.class));
    }

    /** The secret's current version; 0 when it does not exist. */
    public int currentVersion(String mount, String path) {
        return request("GET", mount + "/metadata/" + path, null)
                .map(body -> body.path("data").path("current_version").asInt())
                .orElse(0);
    }

    /** Writes (or replaces) the ACL policy {@code name}. */
    public void writePolicy(String name, String hcl) {
        request("PUT", "sys/policies/acl/" + name, Map.of("policy", hcl));
    }

    /** A new token holding {@code policies} (and OpenBao's default policy: look itself up, renew itself). */
    public String createToken(List<String> policies, Duration ttl) {
        return request("POST", "auth/token/create", Map.of("policies", policies, "ttl", ttl.toSeconds() + "s"))
                .orElseThrow().path("auth").path("client_token").asText();
    }

    /**
     * A call to the OpenBao HTTP API ({@code /v1/<apiPath>}) with the root token; empty for a 404 or a body-less
     * answer, an exception for any other error.
     */
    public Optional<JsonNode> request(String method, String apiPath, Object body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint().resolve("/v1/" + apiPath))
                    .timeout(Duration.ofSeconds(10))
                    .header("X-Vault-Token", ROOT_TOKEN)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(JsonExchange.MAPPER.writeValueAsBytes(body)));
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return Optional.empty();
            }
            if (response.statusCode() >= 300) {
                throw new IllegalStateException("OpenBao " + method + " " + apiPath + " answered "
                        + response.statusCode() + ": " + response.body());
            }
            return response.body().isBlank() ? Optional.empty()
                    : Optional.of(JsonExchange.MAPPER.readTree(response.body()));
        } catch (IOException e) {
            throw new UncheckedIOException("OpenBao " + method + " " + apiPath, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        program.close();
    }
}
