package io.zonekeeper.testkit.kafka;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.kafka.common.utils.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * One broker per JVM, started on first use and stopped at JVM exit, shared by every test class of a module
 * so the broker's start-up is paid once. Tests isolate themselves with unique topic and group names.
 *
 * <p>{@code ZONEKEEPER_TEST_KAFKA} chooses the implementation: {@code in-process}, {@code container}, or
 * {@code auto} (the default: a container when a Docker engine answers, the in-process broker otherwise).
 * {@code ZONEKEEPER_TEST_KAFKA_IMAGE} overrides the container image.
 */
public final class SharedKafka {

    private static final Logger LOG = LoggerFactory.getLogger(SharedKafka.class);
    private static KafkaBroker broker;

    private SharedKafka() {
    }

    public static synchronized KafkaBroker get() {
        if (broker == null) {
            long started = System.nanoTime();
            broker = startConfigured();
            LOG.info("Kafka: {} (started in {} ms)", broker.description(), (System.nanoTime() - started) / 1_000_000);
            KafkaBroker toClose = broker;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // Kafka's test kit deletes the broker's directories in a shutdown hook of its own, run concurrently
                // with this one; a broker that then finds its log directory gone halts the JVM with status 1, and
                // a module whose tests all passed fails its build. At exit, the broker may not halt the JVM.
                Exit.setHaltProcedure((status, message) ->
                        LOG.warn("Kafka asked to halt with {} while shutting down: {}", status, message));
                toClose.close();
            }, "shared-kafka-shutdown"));
        }
        return broker;
    }

    private static KafkaBroker startConfigured() {
        String mode = System.getenv().getOrDefault("ZONEKEEPER_TEST_KAFKA", "auto").toLowerCase(Locale.ROOT);
        String image = System.getenv().getOrDefault("ZONEKEEPER_TEST_KAFKA_IMAGE", ContainerKafka.DEFAULT_IMAGE);
        return switch (mode) {
            case "in-process" -> InProcessKafka.start();
            case "container" -> ContainerKafka.start(image);
            case "auto" -> dockerAvailable() ? ContainerKafka.start(image) : InProcessKafka.start();
            default -> throw new IllegalArgumentException(
                    "ZONEKEEPER_TEST_KAFKA must be in-process, container or auto, not '" + mode + "'");
        };
    }

    private static boolean dockerAvailable() {
        // Asking Testcontainers costs seconds and a page of warnings when there is plainly no engine.
        if (System.getenv("DOCKER_HOST") == null && !Files.exists(Path.of("/var/run/docker.sock"))) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
