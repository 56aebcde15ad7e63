package io.zonekeeper.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.cert.CertConfig;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.provisioner.ProvisionerConfig;
import io.zonekeeper.reaper.ReaperConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml against the services' configuration: every variable the file sets for a service is one the
 * service reads (a misspelt or stale one would be ignored silently), and the configuration it gives is complete
 * and valid (every required variable set, every value parseable), read by the services' own config classes.
 */
class ComposeFileTest {

    static Stream<Arguments> services() {
        return Stream.of(
                Arguments.of("provisioner", (Consumer<EnvReader>) ProvisionerConfig::read),
                Arguments.of("cert", (Consumer<EnvReader>) CertConfig::read),
                Arguments.of("reaper", (Consumer<EnvReader>) ReaperConfig::read));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void everyVariableIsReadAndTheConfigurationIsComplete(String service, Consumer<EnvReader> read) throws IOException {
        Map<String, Object> definition = service(service);
        Map<String, String> env = new HashMap<>();
        @SuppressWarnings("unchecked")
        Map<String, Object> environment = (Map<String, Object>) definition.get("environment");
        environment.forEach((name, value) -> env.put(name, String.valueOf(value)));
        // Set by the entrypoint from the init job's output; a placeholder stands in for the value.
        @SuppressWarnings("unchecked")
        List<String> fromEntrypoint = (List<String>) definition.getOrDefault("x-zonekeeper-env-from-entrypoint", List.of());
        fromEntrypoint.forEach(name -> env.put(name, "Z0000000000000"));
        // What the Dockerfile sets.
        env.putAll(dockerfileEnv(service));

        EnvReader reader = new EnvReader(env);
        read.accept(reader); // throws ConfigException listing every missing or invalid setting
        assertThat(reader.unread()).as("variables docker-compose.yml sets for %s that it never reads", service).isEmpty();
    }

    private static Map<String, Object> service(String name) throws IOException {
        try (Reader reader = Files.newBufferedReader(projectRoot().resolve("docker-compose.yml"))) {
            Map<String, Object> compose = new Yaml(new LoaderOptions()).load(reader);
            @SuppressWarnings("unchecked")
            Map<String, Object> services = (Map<String, Object>) compose.get("services");
            @SuppressWarnings("unchecked")
            Map<String, Object> service = (Map<String, Object>) services.get(name);
            assertThat(service).as("service %s in docker-compose.yml", name).isNotNull();
            return service;
        }
    }

    /** {@code ENV NAME=value} lines of the service's Dockerfile (continuations joined). */
    private static Map<String, String> dockerfileEnv(String service) throws IOException {
        String module = Map.of("provisioner", "provisioner-service", "cert", "cert-service", "reaper", "reaper-service")
                .get(service);
        String text = Files.readString(projectRoot().resolve(module).resolve("Dockerfile")).replace("\\\n", " ");
        Map<String, String> env = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("ENV ")) {
                var matcher = java.util.regex.Pattern.compile("([A-Z_]+)=(\"[^\"]*\"|\\S+)").matcher(line.substring(4));
                while (matcher.find()) {
                    env.put(matcher.group(1), matcher.group(2).replace("\"", ""));
                }
            }
        }
        // JAVA_TOOL_OPTIONS is the JVM's, not the service's.
        env.remove("JAVA_TOOL_OPTIONS");
        return env;
    }

    private static Path projectRoot() {
        return Path.of(System.getProperty("zonekeeper.project.root", ".."));
    }
}
