package io.zonekeeper.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultProxyTest {

    static {
        io.zonekeeper.testkit.JsonExchange.noDelay();
    }

    private HttpServer upstream;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void startUpstream() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        upstream.createContext("/", exchange -> {
            byte[] body = ("echo " + exchange.getRequestMethod() + " " + exchange.getRequestURI()).getBytes();
            exchange.getResponseHeaders().set("X-Upstream", "yes");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
    }

    @AfterEach
    void stopUpstream() {
        upstream.stop(0);
    }

    @Test
    void forwardsRequestsAndResponsesUnchangedWhenNoFaultIsDue() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(upstreamUri(), 1)) {
            HttpResponse<String> response = get(proxy, "/v1/things?x=1");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("echo GET /v1/things?x=1");
            assertThat(response.headers().firstValue("X-Upstream")).contains("yes");
            assertThat(proxy.requestCounts()).containsEntry("http:GET /v1/things", 1L);
        }
    }

    @Test
    void theSameSeedInjectsTheSameFaults() throws Exception {
        FaultRates rates = new FaultRates(0.3, 0, 0.05, 0, Duration.ZERO);
        assertThat(statuses(rates, 99)).isEqualTo(statuses(rates, 99));
        List<Integer> run = statuses(rates, 99);
        long faults = run.stream().filter(s -> s != 200).count();
        assertThat(faults).isBetween(10L, 60L);
    }

    @Test
    void refusedConnectionsComeBackOnTheSamePort() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(upstreamUri(), 1)) {
            proxy.refuseConnections(true);
            assertThatThrownBy(() -> get(proxy, "/")).isInstanceOf(java.net.ConnectException.class);
            proxy.refuseConnections(false);
            assertThat(get(proxy, "/").statusCode()).isEqualTo(200);
        }
    }

    private List<Integer> statuses(FaultRates rates, long seed) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        try (FaultProxy proxy = FaultProxy.start(upstreamUri(), seed)) {
            proxy.rates(rates);
            for (int i = 0; i < 100; i++) {
                statuses.add(get(proxy, "/").statusCode());
            }
        }
        return statuses;
    }

    private HttpResponse<String> get(FaultProxy proxy, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(proxy.endpoint().resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI upstreamUri() {
        return URI.create("http://127.0.0.1:" + upstream.getAddress().getPort());
    }
}
