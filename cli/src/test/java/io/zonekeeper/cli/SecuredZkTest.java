package io.zonekeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.common.kafka.KafkaAccess;
import io.zonekeeper.common.kafka.KafkaAccess.Role;
import io.zonekeeper.common.kafka.TopicNames;
import io.zonekeeper.testkit.TempDirectories;
import io.zonekeeper.testkit.kafka.SecuredKafka;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * zk against a broker that takes only SASL_SSL and authorizes every request: it reaches it with client properties
 * from {@code --command-config}, applies the ACLs {@link KafkaAccess} defines with an administrator's, and is refused
 * what its principal may not do.
 */
class SecuredZkTest {

    private static SecuredKafka kafka;
    private static Path files;

    @BeforeAll
    static void start() throws Exception {
        kafka = SecuredKafka.start();
        files = Files.createTempDirectory("secured-zk-");
        kafka.createTopic(TopicNames.ORG_COMMANDS, 1, false);
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
        if (files != null) {
            TempDirectories.delete(files);
        }
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result zk(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Zk.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void anAdministratorAppliesARolesAclsOnceHoweverOftenItRuns() throws Exception {
        Path admin = properties("admin", kafka.adminConfig());

        for (int run = 0; run < 2; run++) {
            Result applied = zk("acls", "--apply", "--role", "upstream", "--user", "upstream=acme-upstream",
                    "--bootstrap-servers", kafka.bootstrapServers(), "--command-config", admin.toString());
            assertThat(applied.exit()).as(applied.err()).isZero();
        }

        List<AclBinding> expected = KafkaAccess.acls(Role.UPSTREAM, "acme-upstream", KafkaAccess.Names.defaults());
        try (Admin client = Admin.create(kafka.adminConfig())) {
            Set<AclBinding> granted = client.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)
                    .stream().filter(b -> b.entry().principal().equals("User:acme-upstream"))
                    .collect(Collectors.toSet());
            assertThat(granted).isEqualTo(new HashSet<>(expected));
        }
    }

    @Test
    void aPrincipalThatIsNoAdministratorCannotGrantItselfAnything() throws Exception {
        String password = kafka.createUser("zk-unprivileged");
        Path unprivileged = properties("unprivileged", kafka.clientConfig("zk-unprivileged", password));

        Result refused = zk("acls", "--apply", "--role", "operator", "--user", "operator=zk-unprivileged",
                "--bootstrap-servers", kafka.bootstrapServers(), "--command-config", unprivileged.toString());

        assertThat(refused.exit()).isEqualTo(Zk.FAILED);
        assertThat(refused.err()).contains("Authorization");
        assertThat(refused.err()).doesNotContain(password);
    }

    @Test
    void withoutItsSecurityPropertiesZkSaysItCannotReachTheBroker() {
        Result plain = zk("acls", "--apply", "--role", "upstream", "--bootstrap-servers", kafka.bootstrapServers(),
                "--timeout", "3s");

        assertThat(plain.exit()).isEqualTo(Zk.UNREACHABLE);
        assertThat(plain.err()).contains("cannot reach Kafka at " + kafka.bootstrapServers());
    }

    @Test
    void theOperatorMayAskForAReconcileAndTheUpstreamMayNot() throws Exception {
        ApicurioRegistry registry = ApicurioRegistry.shared();
        String operatorPassword = kafka.createUser("zk-operator");
        String upstreamPassword = kafka.createUser("zk-upstream");
        kafka.allow(KafkaAccess.acls(Role.OPERATOR, "zk-operator", KafkaAccess.Names.defaults()));
        kafka.allow(KafkaAccess.acls(Role.UPSTREAM, "zk-upstream", KafkaAccess.Names.defaults()));

        Result asked = zk("reconcile", "--org", "acme", "--bootstrap-servers", kafka.bootstrapServers(),
                "--schema-registry", registry.endpoint().toString(), "--command-config",
                properties("operator", kafka.clientConfig("zk-operator", operatorPassword)).toString());
        Result refused = zk("reconcile", "--org", "acme", "--bootstrap-servers", kafka.bootstrapServers(),
                "--schema-registry", registry.endpoint().toString(), "--command-config",
                properties("upstream", kafka.clientConfig("zk-upstream", upstreamPassword)).toString());

        assertThat(asked.exit()).as(asked.err()).isZero();
        assertThat(kafka.readAll(TopicNames.ORG_COMMANDS)).hasSize(1);
        assertThat(refused.exit()).isEqualTo(Zk.FAILED);
        assertThat(refused.err()).contains(TopicNames.ORG_COMMANDS);
    }

    @Test
    void zkTopicsNamesWhatIsMissingCreatesItAndReportsACountItWillNotChange() throws Exception {
        String admin = properties("admin-topics", kafka.adminConfig()).toString();

        Result before = zk("topics", "--partitions", "3", "--bootstrap-servers", kafka.bootstrapServers(),
                "--command-config", admin);
        assertThat(before.exit()).isEqualTo(Zk.FAILED);
        assertThat(before.err()).contains("zk: " + TopicNames.AUDIT + " is missing");

        // A state topic made by an earlier release: compacted, with no compaction lag.
        kafka.createTopic(TopicNames.CLUSTER_TLS, 3, true);
        Result created = zk("topics", "--create", "--partitions", "3", "--bootstrap-servers",
                kafka.bootstrapServers(), "--command-config", admin);
        // org.commands.v1 was made with one partition before: reported, never repartitioned.
        assertThat(created.exit()).isEqualTo(Zk.FAILED);
        assertThat(created.err()).contains("zk: " + TopicNames.ORG_COMMANDS + " has 1 partitions, not 3")
                .doesNotContain("missing");
        assertThat(created.out()).contains("created " + TopicNames.ORG_DNS)
                .contains("set max.compaction.lag.ms=3600000 on " + TopicNames.CLUSTER_TLS);
        try (Admin client = Admin.create(kafka.adminConfig())) {
            var resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, TopicNames.ORG_DNS);
            assertThat(client.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
                    .get("cleanup.policy").value()).isEqualTo("compact");
            for (String state : List.of(TopicNames.ORG_DNS, TopicNames.CLUSTER_TLS)) {
                var topic = new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, state);
                assertThat(client.describeConfigs(List.of(topic)).all().get(30, TimeUnit.SECONDS).get(topic)
                        .get("max.compaction.lag.ms").value()).as(state).isEqualTo("3600000");
            }
            assertThat(client.describeTopics(List.of(TopicNames.LIFECYCLE_BY_ORG)).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get(TopicNames.LIFECYCLE_BY_ORG).partitions()).hasSize(3);
        }
    }

    /** A Kafka client properties file, as {@code --command-config} and Kafka's own tools take one. */
    private static Path properties(String name, Map<String, Object> config) throws Exception {
        List<String> lines = new ArrayList<>();
        config.forEach((key, value) -> lines.add(key + "=" + value.toString().replace("\\", "\\\\")));
        Path file = files.resolve(name + ".properties");
        Files.write(file, lines);
        return file;
    }
}
