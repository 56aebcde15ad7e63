package io.zonekeeper.common.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * The service's small operations port: {@code GET /metrics} in Prometheus text format, {@code GET /ready} (the
 * health checks and the readiness checks) and {@code GET /health}
 * (200 when every check is healthy, 503 otherwise, with each check's detail as JSON). The JDK's built-in server
 * is enough for three read-only endpoints scraped every few seconds.
 */
public final class OpsServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // Without it the JDK server leaves Nagle on and small responses stall ~40 ms on delayed ACKs.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final HttpServer server;
    private final PrometheusMeterRegistry registry;

    /**
     * Binds the port now, so a service can tell others where it listens (the reaper's {@code application.server})
     * before it serves anything; {@link #start} serves.
     */
    public OpsServer(int port, PrometheusMeterRegistry registry) {
        this.registry = registry;
        try {
            this.server = HttpServer.create(new InetSocketAddress(port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on operations port " + port, e);
        }
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread thread = new Thread(r, "ops-http");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/metrics", this::metrics);
    }

    /** Serves more paths on the same port (a service's own read-only API); call before {@link #start}. */
    public OpsServer route(String path, HttpHandler handler) {
        server.createContext(path, handler);
        return this;
    }

    /**
     * Serves {@code /health}, {@code /ready}, {@code /metrics} and the routes.
     *
     * @param checks    what {@code /health} reports: is the process alive and able to go on (a liveness probe)
     * @param readiness what {@code /ready} adds to them: is it doing its work now (a member of its groups holding its
     *                  partitions), false while it joins or rebalances (a readiness probe)
     */
    public OpsServer start(List<HealthCheck> checks, List<HealthCheck> readiness) {
        List<HealthCheck> health = List.copyOf(checks);
        List<HealthCheck> ready = Stream.concat(checks.stream(), readiness.stream()).toList();
        // Each check as a gauge too, so an alert can say which one is down (a fatal stop, a refused ACL) without
        // probing /health from outside.
        for (HealthCheck check : ready) {
            Gauge.builder("zonekeeper.health.check", check, c -> result(c).healthy() ? 1 : 0)
                    .description("1 while the check is healthy, 0 while it is down")
                    .tag("check", check.name())
                    .register(registry);
        }
        server.createContext("/health", exchange -> report(exchange, health));
        server.createContext("/ready", exchange -> report(exchange, ready));
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void metrics(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
        }
    }

    private static void report(HttpExchange exchange, List<HealthCheck> checks) throws IOException {
        try (exchange) {
            Map<String, Object> results = new LinkedHashMap<>();
            boolean healthy = true;
            for (HealthCheck check : checks) {
                HealthCheck.Result result = result(check);
                healthy &= result.healthy();
                results.put(check.name(), Map.of("status", result.healthy() ? "UP" : "DOWN", "detail", result.detail()));
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", healthy ? "UP" : "DOWN");
            body.put("checks", results);
            respond(exchange, healthy ? 200 : 503, "application/json", JSON.writeValueAsString(body));
        }
    }

    private static HealthCheck.Result result(HealthCheck check) {
        try {
            return check.check();
        } catch (RuntimeException e) {
            return HealthCheck.Result.down(e.getClass().getSimpleName());
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }
}
