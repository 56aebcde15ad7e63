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

    private JsonExchange() {
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
