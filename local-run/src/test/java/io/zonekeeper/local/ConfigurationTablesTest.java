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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
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
 * service; and each default the tables give, set explicitly, leaves the service's configuration as it is without
 * it. What a service reads is what its config class asks its {@link EnvReader} for, under each Vault login method
 * (each asks for its own variables), so a setting added, renamed, dropped or given another default in code fails
 * here until the README says so.
 */
class ConfigurationTablesTest {

    private static final Pattern SECTION = Pattern.compile("^#{2,3} (.+)$");
    /** A variable in a table's first column: {@code `NAME`}, or a family such as {@code `KAFKA_CLIENT_<PROPERTY>`}. */
    private static final Pattern VARIABLE = Pattern.compile("`([A-Z][A-Z0-9_]*)(<[A-Z]+>)?`");

    /** A default cell: backticked values, one per variable of the row. */
    private static final Pattern LITERAL = Pattern.compile("`([^`]*)`");
    /** What every service requires, so a configuration can be read whole. */
    private static final Map<String, String> REQUIRED = Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", "localhost:9092", "SCHEMA_REGISTRY_URL", "http://localhost:8081",
            "VAULT_ADDR", "http://localhost:8200", "VAULT_TOKEN", "token", "BASE_DOMAIN", "example.com",
            "PARENT_ZONE_ID", "Z0000000000000", "SERVICE_INSTANCE", "test");

    static Stream<Arguments> services() {
        return Stream.of(
                Arguments.of("provisioner-service", (Function<EnvReader, Object>) ProvisionerConfig::read),
                Arguments.of("cert-service", (Function<EnvReader, Object>) CertConfig::read),
                Arguments.of("reaper-service", (Function<EnvReader, Object>) ReaperConfig::read));
    }

    /**
     * Each default the README gives, set explicitly, yields the configuration the service has without it: the
     * README's defaults are the code's.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void theReadmesDefaultsAreTheOnesTheServiceUses(String service, Function<EnvReader, Object> read)
            throws IOException {
        Object defaults = read.apply(new EnvReader(REQUIRED));
        Set<String> reads = readBy(read);
        Map<String, String> documented = new LinkedHashMap<>(defaults().get("Configuration"));
        documented.putAll(defaults().get(service));
        int checked = 0;
        for (Map.Entry<String, String> setting : documented.entrySet()) {
            if (!reads.contains(setting.getKey()) || REQUIRED.containsKey(setting.getKey())) {
                continue;
            }
            Map<String, String> env = new HashMap<>(REQUIRED);
            env.put(setting.getKey(), setting.getValue());
            assertThat(read.apply(new EnvReader(env))).as("%s=%s, the README's default for %s", setting.getKey(),
                    setting.getValue(), service).isEqualTo(defaults);
            checked++;
        }
        assertThat(checked).as("defaults checked for %s", service).isGreaterThan(10);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void theReadmeListsWhatTheServiceReadsAndNothingElse(String service, Function<EnvReader, Object> read)
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
            Function<EnvReader, Object> read = (Function<EnvReader, Object>) arguments.get()[1];
            readByAny.addAll(readBy(read));
        });
        assertThat(tables().get("Configuration")).as("shared variables no service reads").isSubsetOf(readByAny);
    }

    /** What the service's configuration reads, with the clock it runs on, under every Vault login method. */
    private static Set<String> readBy(Function<EnvReader, Object> read) {
        Set<String> names = new TreeSet<>();
        for (String login : List.of("token", "approle", "kubernetes")) {
            Map<String, String> env = new HashMap<>();
            env.put("VAULT_AUTH_METHOD", login);
            // A simulated clock reads its rate and anchor too.
            env.put("CLOCK_START", "2027-01-31T23:30:00Z");
            EnvReader reader = new EnvReader(env);
            ServiceClock.read(reader);
            try {
                read.apply(reader);
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
        rows().forEach((section, rows) -> {
            Set<String> names = tables.computeIfAbsent(section, s -> new TreeSet<>());
            rows.forEach(row -> names.addAll(row.names()));
        });
        return tables;
    }

    /**
     * The literal defaults of each table: a row's backticked values paired with its variables, where there is one
     * per variable (not "required", "—", a host name or a value chosen per login method).
     */
    private static Map<String, Map<String, String>> defaults() throws IOException {
        Map<String, Map<String, String>> defaults = new LinkedHashMap<>();
        rows().forEach((section, rows) -> {
            Map<String, String> literals = defaults.computeIfAbsent(section, s -> new LinkedHashMap<>());
            for (Row row : rows) {
                List<String> values = new ArrayList<>();
                Matcher literal = LITERAL.matcher(row.defaults());
                while (literal.find()) {
                    values.add(literal.group(1));
                }
                if (values.size() == row.names().size() && values.stream().noneMatch(v -> v.contains("<"))) {
                    for (int i = 0; i < values.size(); i++) {
                        if (!row.names().get(i).endsWith("*")) {
                            literals.put(row.names().get(i), values.get(i));
                        }
                    }
                }
            }
        });
        return defaults;
    }

    /** A table row: its variables and its default column. */
    private record Row(List<String> names, String defaults) {
    }

    /** The rows of each configuration table, by the heading above it. */
    private static Map<String, List<Row>> rows() throws IOException {
        Map<String, List<Row>> tables = new LinkedHashMap<>();
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
            String[] columns = line.split("\\|");
            Matcher variable = VARIABLE.matcher(columns[1]);
            List<String> names = new ArrayList<>();
            while (variable.find()) {
                names.add(variable.group(2) == null ? variable.group(1) : variable.group(1) + "*");
            }
            tables.computeIfAbsent(section, s -> new ArrayList<>()).add(new Row(names, columns[2]));
        }
        assertThat(tables).as("the README's configuration tables").containsKeys("Configuration",
                "provisioner-service", "cert-service", "reaper-service");
        return tables;
    }

    private static Path projectRoot() {
        return Path.of(System.getProperty("zonekeeper.project.root", ".."));
    }
}
