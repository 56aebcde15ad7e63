package io.zonekeeper.common.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.kafka.KafkaClients;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceMetricsTest {

    @Test
    void exposesKafkaClientMetricsInPrometheusFormat() {
        ServiceIdentity identity = new ServiceIdentity("provisioner-service", "i-1");
        var registry = ServiceMetrics.prometheus(identity);
        // Metrics exist from construction; no broker needs to answer.
        var clients = new KafkaClients(new KafkaSettings("127.0.0.1:1", "http://127.0.0.1:1", Map.of()), identity);
        try (var consumer = clients.consumer("metrics-test"); var producer = clients.producer();
             var consumerMetrics = ServiceMetrics.bind(consumer, registry);
             var producerMetrics = ServiceMetrics.bind(producer, registry)) {
            String scrape = registry.scrape();
            assertThat(scrape).contains("kafka_consumer_").contains("kafka_producer_")
                    .contains("service=\"provisioner-service\"");
        }
    }
}
