package io.zonekeeper.testkit.aws;

import io.zonekeeper.testkit.FreePort;
import io.zonekeeper.testkit.PythonTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AWS emulator: {@code moto_server} as a child process on a free loopback port, serving Route53 and IAM
 * (and every other service moto knows) at one endpoint. Clients reach it through the SDK's endpoint override
 * with any static credentials.
 */
public final class MotoServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MotoServer.class);
    /** Region moto is told the clients use; Route53 and IAM are global and sign for us-east-1. */
    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY_ID = "testing";
    public static final String SECRET_ACCESS_KEY = "testing";

    private static MotoServer shared;

    private final Process process;
    private final URI endpoint;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private MotoServer(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    /** One emulator per JVM, started on first use, stopped at exit. Call {@link #reset()} between tests. */
    public static synchronized MotoServer shared() {
        if (shared == null) {
            shared = start();
            MotoServer toClose = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(toClose::close, "moto-shutdown"));
        }
        return shared;
    }

    public static MotoServer start() {
        Path executable = PythonTools.executable("moto_server");
        int port = FreePort.pick();
        try {
            Path log = Files.createTempFile("moto-server-" + port + "-", ".log");
            Process process = new ProcessBuilder(List.of(executable.toString(), "-H", "127.0.0.1", "-p",
                    Integer.toString(port)))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            MotoServer server = new MotoServer(process, URI.create("http://127.0.0.1:" + port));
            server.awaitReady(Duration.ofSeconds(60), log);
            LOG.info("AWS emulator (moto) at {}, log {}", server.endpoint, log);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start moto_server", e);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Forgets every resource in every service: a clean account for the next test. */
    public void reset() {
        send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/reset"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private void awaitReady(Duration timeout, Path log) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("moto_server exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (ConnectException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for moto_server", e);
            }
            sleep(100);
        }
        close();
        throw new IOException("moto_server did not answer within " + timeout + ":\n" + Files.readString(log));
    }

    private void send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(request.uri() + " answered " + response.statusCode());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
