package io.zonekeeper.cli;

import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.kafka.KafkaAccess;
import io.zonekeeper.common.kafka.TopicLayout;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Checks the topics an installation needs against {@link TopicLayout} (names from the services' own variables), or
 * creates the missing ones: what an operator, the chart's users and the local run share instead of each keeping a
 * list of its own. Exit 1 while anything is wrong; a wrong partition count or cleanup policy is reported, never
 * changed (repartitioning an organization-keyed topic moves organizations between writers); a state topic's missing
 * compaction lag is set by {@code --create}.
 */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Check the topics Zonekeeper needs (partitions, compaction), or --create the missing ones.")
final class TopicsCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    Connection connection;
    @Option(names = "--partitions", defaultValue = "6",
            description = "partitions of every topic keyed by organization (default ${DEFAULT-VALUE})")
    int partitions;
    @Option(names = "--replication-factor", defaultValue = "-1",
            description = "replication factor of topics it creates (default: the brokers' default)")
    short replicationFactor;
    @Option(names = "--create", description = "create the topics that are missing, as the layout says")
    boolean create;

    @Override
    public Integer call() throws Exception {
        if (partitions < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--partitions must be at least 1");
        }
        TopicLayout layout = TopicLayout.of(KafkaAccess.Names.read(new EnvReader(System.getenv())), partitions);
        PrintWriter out = spec.commandLine().getOut();
        try (Admin admin = connection.admin()) {
            Map<String, TopicLayout.Existing> existing = describe(admin, layout);
            if (create) {
                List<NewTopic> missing = new ArrayList<>();
                for (TopicLayout.Topic topic : layout.topics()) {
                    if (!existing.containsKey(topic.name())) {
                        NewTopic created = new NewTopic(topic.name(), Optional.of(topic.partitions()),
                                replicationFactor > 0 ? Optional.of(replicationFactor) : Optional.empty());
                        missing.add(created.configs(topic.configs()));
                    }
                }
                for (var result : admin.createTopics(missing).values().entrySet()) {
                    try {
                        result.getValue().get(connection.timeout.toMillis(), TimeUnit.MILLISECONDS);
                        out.printf("created %s%n", result.getKey());
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e;
                        }
                    }
                }
                compactSooner(admin, layout, describe(admin, layout), out);
                existing = describe(admin, layout);
            }
            for (TopicLayout.Topic topic : layout.topics()) {
                TopicLayout.Existing found = existing.get(topic.name());
                out.printf("%-32s %3d partitions%s  %s%n", topic.name(), topic.partitions(),
                        topic.compacted() ? ", compacted" : "",
                        found == null ? "MISSING" : found.partitions() + " on the brokers, cleanup.policy="
                                + found.cleanupPolicy());
            }
            List<String> problems = layout.problems(existing);
            problems.forEach(problem -> spec.commandLine().getErr().println("zk: " + problem));
            return problems.isEmpty() ? 0 : Zk.FAILED;
        }
    }

    /**
     * Sets the layout's compaction lag on state topics made without one (before the layout had it): a topic setting
     * that moves nothing, unlike a partition count.
     */
    private void compactSooner(Admin admin, TopicLayout layout, Map<String, TopicLayout.Existing> existing,
                               PrintWriter out) throws Exception {
        for (TopicLayout.Topic topic : layout.topics()) {
            TopicLayout.Existing found = existing.get(topic.name());
            if (topic.compacted() && found != null && found.compactsLate()) {
                String lag = topic.configs().get(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG);
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic.name());
                admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(
                        TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, lag), AlterConfigOp.OpType.SET)))).all()
                        .get(connection.timeout.toMillis(), TimeUnit.MILLISECONDS);
                awaitSetting(admin, resource, TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, lag);
                out.printf("set max.compaction.lag.ms=%s on %s%n", lag, topic.name());
            }
        }
    }

    /**
     * Until the broker answering describes the topic with the new value: the controller has accepted it, and each
     * broker applies it from the metadata log a moment later, so the check that follows would otherwise still see
     * the old one.
     */
    private void awaitSetting(Admin admin, ConfigResource resource, String name, String value) throws Exception {
        long deadline = System.nanoTime() + connection.timeout.toNanos();
        while (System.nanoTime() < deadline) {
            var entry = admin.describeConfigs(List.of(resource)).all()
                    .get(connection.timeout.toMillis(), TimeUnit.MILLISECONDS).get(resource).get(name);
            if (entry != null && value.equals(entry.value())) {
                return;
            }
            Thread.sleep(100);
        }
    }

    private Map<String, TopicLayout.Existing> describe(Admin admin, TopicLayout layout) throws Exception {
        long timeout = connection.timeout.toMillis();
        Set<String> present = admin.listTopics().names().get(timeout, TimeUnit.MILLISECONDS);
        List<String> names = layout.topics().stream().map(TopicLayout.Topic::name).filter(present::contains)
                .toList();
        Map<String, TopicLayout.Existing> existing = new HashMap<>();
        if (names.isEmpty()) {
            return existing;
        }
        var descriptions = admin.describeTopics(names).allTopicNames().get(timeout, TimeUnit.MILLISECONDS);
        Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
                .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList())
                .all().get(timeout, TimeUnit.MILLISECONDS);
        for (String name : names) {
            Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
            var policy = config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
            var lag = config.get(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG);
            existing.put(name, new TopicLayout.Existing(descriptions.get(name).partitions().size(),
                    policy == null ? null : policy.value(),
                    lag == null || lag.value() == null ? Long.MAX_VALUE : Long.parseLong(lag.value())));
        }
        return existing;
    }
}
