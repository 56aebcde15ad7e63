package io.zonekeeper.testkit.aws;

import io.zonekeeper.testkit.FreePort;
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

    private final LoopbackProgram program;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private MotoServer(LoopbackProgram program) {
        this.program = program;
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
        LoopbackProgram program = LoopbackProgram.start("moto_server", List.of(executable.toString(), "-H",
                "127.0.0.1", "-p", Integer.toString(port)), URI.create("http://127.0.0.1:" + port), "/moto-api/",
                Duration.ofSeconds(60));
        LOG.info("AWS emulator (moto) at {}, log {}", program.endpoint(), program.log());
        return new MotoServer(program);
    }

    public URI endpoint() {
        return program.endpoint();
    }

    /** Forgets every resource in every service: a clean account for the next test. */
    public void reset() {
        send(HttpRequest.newBuilder(endpoint().resolve("/moto-api/reset"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
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

    @Override
    public void close() {
        program.close();
    }
}
