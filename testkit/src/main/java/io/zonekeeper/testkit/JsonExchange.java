package io.zonekeeper.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Reading and answering JSON over the JDK's built-in HTTP server, shared by the in-process stand-ins. */
public final class JsonExchange {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    static {
        noDelay();
    }

    private JsonExchange() {
    }

    /**
     * The JDK's HTTP server writes headers and body separately and leaves Nagle's algorithm on unless told
     * otherwise; with the client's delayed ACKs every small exchange then stalls for about 40 ms. The property is
     * read once, when the first server is created in the JVM.
     */
    public static void noDelay() {
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** A server on a free loopback port with a small thread pool, not yet started. */
    public static HttpServer loopbackServer(String threadName) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            ExecutorService pool = Executors.newFixedThreadPool(8, r -> {
                Thread thread = new Thread(r, threadName);
                thread.setDaemon(true);
                return thread;
            });
            server.setExecutor(pool);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not open a loopback server socket", e);
        }
    }

    public static JsonNode readBody(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        return body.length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(body);
    }

    public static void respond(HttpExchange exchange, int status, String contentType, Object body) throws IOException {
        if (body == null) {
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
            return;
        }
        byte[] bytes = MAPPER.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
