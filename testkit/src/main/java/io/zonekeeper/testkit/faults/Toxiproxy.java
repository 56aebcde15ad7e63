package io.zonekeeper.testkit.faults;

import eu.rekawek.toxiproxy.ToxiproxyClient;
import io.zonekeeper.testkit.FreePort;
import io.zonekeeper.testkit.GoTools;
import io.zonekeeper.testkit.LoopbackProgram;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Toxiproxy, Shopify's TCP proxy for network faults (latency, connections cut, traffic black-holed), built from the
 * Go module proxy ({@link GoTools#TOXIPROXY}) and run as a child process on loopback; its HTTP API is driven with
 * toxiproxy-java's client. A real program rather than a proxy of the testkit's own: its toxics are what the
 * whole-system chaos run puts between the services and the brokers.
 */
public final class Toxiproxy implements AutoCloseable {

    private final LoopbackProgram program;
    private final ToxiproxyClient client;

    private Toxiproxy(LoopbackProgram program, ToxiproxyClient client) {
        this.program = program;
        this.client = client;
    }

    public static Toxiproxy start() {
        int port = FreePort.pick();
        LoopbackProgram program = LoopbackProgram.start("toxiproxy", List.of(
                GoTools.executable(GoTools.TOXIPROXY).toString(), "-host", "127.0.0.1", "-port",
                Integer.toString(port)), URI.create("http://127.0.0.1:" + port), "/version", Duration.ofSeconds(30));
        return new Toxiproxy(program, new ToxiproxyClient("127.0.0.1", port));
    }

    /** The API's client: proxies to create, toxics to add and remove. */
    public ToxiproxyClient client() {
        return client;
    }

    @Override
    public void close() {
        program.close();
    }
}
