package io.zonekeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.reaper.ReaperConfig;
import io.zonekeeper.reaper.ReaperService;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.SharedKafka;
import io.zonekeeper.testkit.registry.SchemaRegistryStandIn;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** zk orgs and zk org against a real reaper on the real broker. */
class OrgsCommandTest {

    private static final KafkaBroker KAFKA = SharedKafka.get();
    private final SchemaRegistryStandIn registry = SchemaRegistryStandIn.start();
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private ReaperService reaper;

    @AfterEach
    void stop() {
        if (reaper != null) {
            reaper.close();
        }
        registry.close();
    }

    @Test
    void listsOrganizationsAndShowsOneFromTheReapersQueryEndpoint() throws Exception {
        String lifecycle = "lifecycle-" + suffix;
        for (String topic : List.of(lifecycle, "reap-" + suffix, "audit-" + suffix, lifecycle + ".dlq")) {
            KAFKA.createTopic(topic, 3, false);
        }
        KAFKA.createTopic("dns-" + suffix, 3, true);
        KAFKA.createTopic("clusters-" + suffix, 3, true);
        reaper = ReaperService.start(ReaperConfig.read(new EnvReader(Map.ofEntries(
                Map.entry("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers()),
                Map.entry("SCHEMA_REGISTRY_URL", registry.endpoint().toString()),
                Map.entry("LIFECYCLE_TOPIC", lifecycle), Map.entry("ORG_DNS_TOPIC", "dns-" + suffix),
                Map.entry("ORG_CLUSTERS_TOPIC", "clusters-" + suffix), Map.entry("REAP_TOPIC", "reap-" + suffix),
                Map.entry("AUDIT_TOPIC", "audit-" + suffix), Map.entry("APPLICATION_ID", "reaper-" + suffix),
                Map.entry("STATE_DIR", Files.createTempDirectory("reaper").toString()), Map.entry("HTTP_PORT", "0"),
                Map.entry("QUERY_ADVERTISED_HOST", "127.0.0.1")))));
        var serializer = new AvroSerializer<ClusterLifecycleEvent>(SchemaRegistries.forUrl(registry.endpoint().toString(),
                new Retry(new RetrySettings(3, Duration.ofMillis(10), Duration.ofMillis(50), 0.5),
                        new SimpleMeterRegistry())), false, true);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String org : List.of("org-a", "org-b")) {
                producer.send(new ProducerRecord<>(lifecycle, org.getBytes(StandardCharsets.UTF_8),
                        serializer.serialize(lifecycle, ClusterLifecycleEvent.newBuilder().setEventId(UUID.randomUUID())
                                .setOccurredAt(Instant.now()).setOrgId(org).setOrgName(org.replace("-", ""))
                                .setClusterId(org + "-c1").setClusterName("c1").setStatus(ClusterStatus.RUNNING)
                                .setCloud("amazon").setRegion("eu-west-1").setKubeconfigVaultPath("k").build()))).get();
            }
        }
        String url = "http://127.0.0.1:" + reaper.opsPort();
        await().atMost(Duration.ofSeconds(60)).until(() -> zk("orgs", "--reaper", url)[1].contains("2 organization(s)"));

        String[] orgs = zk("orgs", "--reaper", url);
        assertThat(orgs[0]).isEqualTo("0");
        assertThat(orgs[1]).contains("org-a", "orga", "org-b");
        String[] one = zk("org", "org-b", "--reaper", url);
        assertThat(one[1]).contains("org-b", "clusters in use: [\"org-b-c1\"]", "served by: 127.0.0.1:" + reaper.opsPort());

        String[] unknown = zk("org", "org-zzz", "--reaper", url);
        assertThat(unknown[0]).isEqualTo("1");
        assertThat(unknown[2]).contains("reaper answered 404");
        String[] unreachable = zk("orgs", "--reaper", "http://127.0.0.1:1");
        assertThat(unreachable[0]).isEqualTo("3");
        assertThat(unreachable[2]).contains("cannot reach the reaper");
    }

    private static String[] zk(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Zk.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }
}
