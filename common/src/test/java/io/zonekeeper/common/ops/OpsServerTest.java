package io.zonekeeper.common.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zonekeeper.common.config.ServiceIdentity;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OpsServerTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesPrometheusMetricsAndHealthOverHttp() throws Exception {
        PrometheusMeterRegistry registry = ServiceMetrics.prometheus(new ServiceIdentity("cert-service", "i-1"));
        Counter.builder("zonekeeper.records.processed").register(registry).increment(3);
        AtomicBoolean vaultUp = new AtomicBoolean(true);
        HealthCheck vault = new HealthCheck() {
            @Override
            public String name() {
                return "vault";
            }

            @Override
            public Result check() {
                return vaultUp.get() ? Result.up("reachable") : Result.down("connection refused");
            }
        };
        AtomicBoolean joined = new AtomicBoolean(false);
        try (OpsServer server = new OpsServer(0, registry).start(List.of(vault),
                List.of(HealthCheck.of("group", joined::get)))) {
            URI base = URI.create("http://127.0.0.1:" + server.port());

            HttpResponse<String> metrics = get(base.resolve("/metrics"));
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("zonekeeper_records_processed_total{service=\"cert-service\"} 3.0")
                    .contains("jvm_memory_used_bytes");

            HttpResponse<String> healthy = get(base.resolve("/health"));
            assertThat(healthy.statusCode()).isEqualTo(200);
            assertThat(healthy.body()).contains("\"status\":\"UP\"");
            assertThat(metrics.body()).contains("zonekeeper_health_check{check=\"vault\",service=\"cert-service\"} 1.0");

            // Alive but not yet processing: /health says up, /ready says not yet.
            assertThat(get(base.resolve("/ready")).statusCode()).isEqualTo(503);
            joined.set(true);
            assertThat(get(base.resolve("/ready")).statusCode()).isEqualTo(200);

            vaultUp.set(false);
            HttpResponse<String> unhealthy = get(base.resolve("/health"));
            assertThat(unhealthy.statusCode()).isEqualTo(503);
            assertThat(unhealthy.body()).contains("connection refused");
            assertThat(get(base.resolve("/metrics")).body())
                    .contains("zonekeeper_health_check{check=\"vault\",service=\"cert-service\"} 0.0");
            assertThat(get(base.resolve("/ready")).statusCode()).as("not ready while not alive").isEqualTo(503);
        }
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
