package io.zonekeeper.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.cert.CertConfig;
import io.zonekeeper.common.config.ConfigException;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.provisioner.ProvisionerConfig;
import io.zonekeeper.reaper.ReaperConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The README's configuration tables against what the services read: every variable a service reads is in the
 * shared table or its own, every variable its own table lists is one it reads, and every shared one is read by some
 * service. What a service reads is what its config class asks its {@link EnvReader} for, under each Vault login
 * method (each asks for its own variables), so a setting added, renamed or dropped in code fails here until the
 * README says so.
 */
class ConfigurationTablesTest {

    private static final Pattern SECTION = Pattern.compile("^#{2,3} (.+)$");
    /** A variable in a table's first column: {@code `NAME`}, or a family such as {@code `KAFKA_CLIENT_<PROPERTY>`}. */
    private static final Pattern VARIABLE = Pattern.compile("`([A-Z][A-Z0-9_]*)(<[A-Z]+>)?`");

    static Stream<Arguments> services() {
        return Stream.of(
                Arguments.of("provisioner-service", (Consumer<EnvReader>) ProvisionerConfig::read),
                Arguments.of("cert-service", (Consumer<EnvReader>) CertConfig::read),
                Arguments.of("reaper-service", (Consumer<EnvReader>) ReaperConfig::read));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void theReadmeListsWhatTheServiceReadsAndNothingElse(String service, Consumer<EnvReader> read)
            throws IOException {
        Map<String, Set<String>> tables = tables();
        Set<String> documented = new TreeSet<>(tables.get("Configuration"));
        documented.addAll(tables.get(service));

        Set<String> reads = readBy(read);

        assertThat(reads).as("variables %s reads that the README's shared table and its own do not list", service)
                .isSubsetOf(documented);
        assertThat(tables.get(service)).as("variables the README lists for %s that it never reads", service)
                .isSubsetOf(reads);
    }

    @Test
    void everySharedVariableIsReadBySomeService() throws IOException {
        Set<String> readByAny = new TreeSet<>();
        services().forEach(arguments -> {
            @SuppressWarnings("unchecked")
            Consumer<EnvReader> read = (Consumer<EnvReader>) arguments.get()[1];
            readByAny.addAll(readBy(read));
        });
        assertThat(tables().get("Configuration")).as("shared variables no service reads").isSubsetOf(readByAny);
    }

    /** What the service's configuration reads, with the clock it runs on, under every Vault login method. */
    private static Set<String> readBy(Consumer<EnvReader> read) {
        Set<String> names = new TreeSet<>();
        for (String login : List.of("token", "approle", "kubernetes")) {
            Map<String, String> env = new HashMap<>();
            env.put("VAULT_AUTH_METHOD", login);
            // A simulated clock reads its rate and anchor too.
            env.put("CLOCK_START", "2027-01-31T23:30:00Z");
            EnvReader reader = new EnvReader(env);
            ServiceClock.read(reader);
            try {
                read.accept(reader);
            } catch (ConfigException expected) {
                // Required settings are missing here; every one was still asked for.
            }
            names.addAll(reader.asked());
            reader.prefixesAsked().forEach(prefix -> names.add(prefix + "*"));
        }
        return names;
    }

    /** The variables of each configuration table, by the heading above it ("Configuration" is the shared one). */
    private static Map<String, Set<String>> tables() throws IOException {
        Map<String, Set<String>> tables = new LinkedHashMap<>();
        String section = null;
        boolean inConfiguration = false;
        for (String line : Files.readAllLines(projectRoot().resolve("README.md"))) {
            Matcher heading = SECTION.matcher(line);
            if (heading.matches()) {
                String title = heading.group(1);
                if (line.startsWith("## ")) {
                    inConfiguration = title.equals("Configuration");
                }
                section = inConfiguration ? title.replace("`", "") : null;
                continue;
            }
            if (section == null || !line.startsWith("| `")) {
                continue;
            }
            String firstColumn = line.substring(1, line.indexOf('|', 1));
            Matcher variable = VARIABLE.matcher(firstColumn);
            Set<String> names = tables.computeIfAbsent(section, s -> new TreeSet<>());
            while (variable.find()) {
                names.add(variable.group(2) == null ? variable.group(1) : variable.group(1) + "*");
            }
        }
        assertThat(tables).as("the README's configuration tables").containsKeys("Configuration",
                "provisioner-service", "cert-service", "reaper-service");
        return tables;
    }

    private static Path projectRoot() {
        return Path.of(System.getProperty("zonekeeper.project.root", ".."));
    }
}
