package io.zonekeeper.cli;

import io.zonekeeper.common.config.ConfigException;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.serde.RegistryAccess;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Option;

/**
 * Where Kafka and the schema registry are and how to reach them: options with the services' own environment variables
 * as defaults. Kafka client properties (security, timeouts) come from {@code KAFKA_CLIENT_<PROPERTY>} variables, as the
 * services take them, and from {@code --command-config}, a properties file as Kafka's own tools take it, which wins.
 */
final class Connection {

    @Option(names = "--bootstrap-servers", defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "Kafka brokers (default: $KAFKA_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE})")
    String bootstrapServers;

    @Option(names = "--schema-registry", defaultValue = "${env:SCHEMA_REGISTRY_URL:-http://localhost:8081}",
            description = "schema registry (default: $SCHEMA_REGISTRY_URL or ${DEFAULT-VALUE})")
    String schemaRegistry;

    @Option(names = "--command-config", paramLabel = "<file>",
            description = "Kafka client properties (security.protocol, sasl.*, ssl.*), as Kafka's own tools take them;"
                    + " they override KAFKA_CLIENT_* variables")
    Path commandConfig;

    @Option(names = "--registry-user-info-file", paramLabel = "<file>",
            defaultValue = "${env:SCHEMA_REGISTRY_USER_INFO_FILE}",
            description = "a file holding the registry's user:password (default: $SCHEMA_REGISTRY_USER_INFO_FILE)")
    Path registryUserInfoFile;

    @Option(names = "--registry-bearer-token-file", paramLabel = "<file>",
            defaultValue = "${env:SCHEMA_REGISTRY_BEARER_TOKEN_FILE}",
            description = "a file holding a bearer token for the registry (default: $SCHEMA_REGISTRY_BEARER_TOKEN_FILE)")
    Path registryBearerTokenFile;

    @Option(names = "--registry-ca-file", paramLabel = "<file>", defaultValue = "${env:SCHEMA_REGISTRY_CA_FILE}",
            description = "a PEM bundle of the authorities the registry's certificate is trusted from"
                    + " (default: $SCHEMA_REGISTRY_CA_FILE, else the JVM's)")
    Path registryCaFile;

    @Option(names = "--timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "how long to wait for Kafka (default ${DEFAULT-VALUE})")
    Duration timeout;

    Properties common() {
        Properties props = new Properties();
        // The same client properties the services take (KAFKA_CLIENT_*), so zk connects as they do.
        props.putAll(KafkaSettings.CLIENT_PROPERTIES.read(EnvReader.fromSystem()));
        if (commandConfig != null) {
            props.putAll(commandConfig());
        }
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(CommonClientConfigs.CLIENT_ID_CONFIG, "zk-cli");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        return props;
    }

    /** An admin client, after checking that the cluster answers at all. */
    Admin admin() {
        Admin admin = Admin.create(common());
        try {
            admin.describeCluster().clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return admin;
        } catch (ExecutionException | TimeoutException e) {
            admin.close(Duration.ZERO);
            // The cause says why: no answer, or a refusal (SASL authentication, TLS trust, a missing ACL).
            throw new Zk.Unreachable("cannot reach Kafka at " + bootstrapServers + " within " + timeout + ": "
                    + (e.getCause() == null ? e : e.getCause()), e);
        } catch (InterruptedException e) {
            admin.close(Duration.ZERO);
            Thread.currentThread().interrupt();
            throw new Zk.Unreachable("interrupted", e);
        }
    }

    KafkaConsumer<byte[], byte[]> consumer() {
        Properties props = common();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    KafkaProducer<byte[], byte[]> producer() {
        Properties props = common();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout.toMillis());
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(timeout.toMillis(), 15_000));
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 15_000));
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    SchemaRegistryClient registry() {
        return SchemaRegistries.forTool(schemaRegistry, new RegistryAccess(Optional.ofNullable(registryUserInfoFile),
                Optional.ofNullable(registryBearerTokenFile), Optional.ofNullable(registryCaFile)));
    }

    private Properties commandConfig() {
        Properties file = new Properties();
        try (Reader reader = Files.newBufferedReader(commandConfig)) {
            file.load(reader);
            return file;
        } catch (IOException e) {
            throw new ConfigException(List.of("--command-config: cannot read " + commandConfig + ": " + e));
        }
    }
}
