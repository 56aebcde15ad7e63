package io.zonekeeper.cli;

import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.OpsSettings;
import io.zonekeeper.common.config.TopicSettings;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.reaper.ReaperConfig;
import io.zonekeeper.reaper.ReaperService;
import io.zonekeeper.testkit.kafka.IngressTopics;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.SharedKafka;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import io.zonekeeper.world.ServiceEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** A real reaper on the real broker, with topics of its own, for the commands that read its query endpoint. */
final class CliReaper implements AutoCloseable {

    private static final KafkaBroker KAFKA = SharedKafka.get();

    private final ApicurioRegistry registry = ApicurioRegistry.shared();
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final KafkaProducer<byte[], byte[]> producer;
    private final ReaperService reaper;
    private final IngressTopics ingress = IngressTopics.create(KAFKA, suffix, 3);
    /** The upstream's lifecycle topic: the reaper reads it through its ingress. */
    final String lifecycleTopic = ingress.lifecycle();
    final String zonesTopic = "dns-" + suffix;

    CliReaper(ServiceClock clock) {
        for (String topic : List.of("reap-" + suffix, "audit-" + suffix)) {
            KAFKA.createTopic(topic, 3, false);
        }
        KAFKA.createTopic(zonesTopic, 3, true);
        KAFKA.createTopic("clusters-" + suffix, 3, true);
        try {
            ServiceEnvironment env = new ServiceEnvironment()
                    .kafka(KAFKA.bootstrapServers(), registry.endpoint())
                    .ingress(ingress)
                    .set(TopicSettings.ORG_DNS, zonesTopic)
                    .set(TopicSettings.ORG_CLUSTERS, "clusters-" + suffix)
                    .set(TopicSettings.REAP, "reap-" + suffix)
                    .set(TopicSettings.AUDIT, "audit-" + suffix)
                    .set(ReaperConfig.APPLICATION_ID, "reaper-" + suffix)
                    .set(ReaperConfig.STATE_DIR, Files.createTempDirectory("reaper"))
                    .set(OpsSettings.HTTP_PORT, 0)
                    .set(ReaperConfig.QUERY_ADVERTISED_HOST, "127.0.0.1");
            reaper = ReaperService.start(ReaperConfig.read(new EnvReader(env.toMap())), clock);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    String url() {
        return "http://127.0.0.1:" + reaper.opsPort();
    }

    int opsPort() {
        return reaper.opsPort();
    }

    void send(String topic, String key, SpecificRecord value) {
        var serializer = new AvroSerializer<>(SchemaRegistries.forTool(registry.endpoint().toString()), false,
                true);
        try {
            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                    serializer.serialize(topic, value))).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        producer.close();
        reaper.close();
    }
}
