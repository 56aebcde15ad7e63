package io.zonekeeper.cli;

import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.kafka.KafkaAccess;
import io.zonekeeper.common.kafka.KafkaAccess.Role;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The ACLs each Zonekeeper principal needs on a broker that refuses what no ACL allows ({@link KafkaAccess}): printed
 * one per line, as Strimzi {@code KafkaUser} resources, or applied with an administrator's credentials. Topic names
 * come from the same variables the services read, so an installation that renames a topic grants the new name.
 */
@Command(name = "acls", mixinStandardHelpOptions = true,
        description = "Print or apply the Kafka ACLs of the services, the upstream, dashboards and zk.")
final class AclsCommand implements Callable<Integer> {

    enum Format { LINES, STRIMZI }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    Connection connection;
    @Option(names = "--role", split = ",", description = "roles to cover: ${COMPLETION-CANDIDATES} (default: all)")
    List<Role> roles;
    @Option(names = "--user", paramLabel = "<role>=<name>",
            description = "a role's Kafka user name, if not zonekeeper-<role> (repeatable)")
    Map<Role, String> users = new EnumMap<>(Role.class);
    @Option(names = "--format", defaultValue = "lines",
            description = "${COMPLETION-CANDIDATES}: strimzi writes KafkaUser resources, SCRAM-SHA-512"
                    + " (default ${DEFAULT-VALUE})")
    Format format;
    @Option(names = "--kafka-cluster", defaultValue = "kafka",
            description = "the Strimzi Kafka cluster the users belong to (default ${DEFAULT-VALUE})")
    String kafkaCluster;
    @Option(names = "--apply", description = "create the ACLs on the brokers (an administrator's --command-config)")
    boolean apply;

    @Override
    public Integer call() throws Exception {
        KafkaAccess.Names names = KafkaAccess.Names.read(new EnvReader(System.getenv()));
        Map<Role, List<AclBinding>> acls = new LinkedHashMap<>();
        for (Role role : roles == null ? List.of(Role.values()) : roles) {
            acls.put(role, KafkaAccess.acls(role, user(role), names));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (apply) {
            List<AclBinding> all = acls.values().stream().flatMap(List::stream).toList();
            try (Admin admin = connection.admin()) {
                // Creating an ACL that exists already is not an error: applying twice changes nothing.
                admin.createAcls(all).all().get(connection.timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            acls.forEach((role, bindings) -> out.printf("%s: %d ACLs for User:%s%n", role.label(), bindings.size(),
                    user(role)));
            return 0;
        }
        switch (format) {
            case LINES -> acls.values().forEach(bindings -> bindings.forEach(binding -> out.println(line(binding))));
            case STRIMZI -> {
                out.print(strimzi(acls));
                out.flush();
            }
        }
        return 0;
    }

    private String user(Role role) {
        return users.getOrDefault(role, role.defaultUser());
    }

    /** As {@code kafka-acls --list} shows a binding, one per line so it diffs and greps. */
    static String line(AclBinding binding) {
        return String.join(" ", binding.entry().principal(), binding.entry().permissionType().name(),
                binding.entry().operation().name(), binding.pattern().resourceType().name(),
                binding.pattern().patternType().name(), binding.pattern().name());
    }

    private String strimzi(Map<Role, List<AclBinding>> acls) throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
        StringBuilder documents = new StringBuilder();
        for (Map.Entry<Role, List<AclBinding>> entry : acls.entrySet()) {
            documents.append("---\n").append(yaml.writeValueAsString(kafkaUser(user(entry.getKey()),
                    entry.getValue())));
        }
        return documents.toString();
    }

    private Map<String, Object> kafkaUser(String user, List<AclBinding> bindings) {
        // Strimzi groups operations per resource; Kafka's bindings have one operation each.
        Map<String, Map<String, Object>> rules = new LinkedHashMap<>();
        for (AclBinding binding : bindings) {
            var pattern = binding.pattern();
            String key = pattern.resourceType() + "/" + pattern.patternType() + "/" + pattern.name();
            Map<String, Object> rule = rules.computeIfAbsent(key, k -> {
                Map<String, Object> resource = new LinkedHashMap<>();
                resource.put("type", switch (pattern.resourceType()) {
                    case TOPIC -> "topic";
                    case GROUP -> "group";
                    case TRANSACTIONAL_ID -> "transactionalId";
                    default -> throw new IllegalStateException("no Strimzi resource for " + pattern.resourceType());
                });
                resource.put("name", pattern.name());
                resource.put("patternType", pattern.patternType() == PatternType.PREFIXED ? "prefix" : "literal");
                Map<String, Object> created = new LinkedHashMap<>();
                created.put("resource", resource);
                created.put("operations", new ArrayList<String>());
                return created;
            });
            @SuppressWarnings("unchecked")
            List<String> operations = (List<String>) rule.get("operations");
            operations.add(strimziOperation(binding.entry().operation()));
        }
        return ordered("apiVersion", "kafka.strimzi.io/v1beta2", "kind", "KafkaUser",
                "metadata", ordered("name", user, "labels", ordered("strimzi.io/cluster", kafkaCluster)),
                "spec", ordered("authentication", ordered("type", "scram-sha-512"),
                        "authorization", ordered("type", "simple", "acls", List.copyOf(rules.values()))));
    }

    /** A map that keeps the order written, so the YAML reads as Strimzi's own examples do. */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    /** Strimzi spells operations in camel case: {@code Read}, {@code Write}, {@code Describe}, {@code All}. */
    private static String strimziOperation(AclOperation operation) {
        String name = operation.name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }
}
