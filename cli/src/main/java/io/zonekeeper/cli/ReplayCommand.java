package io.zonekeeper.cli;

import io.zonekeeper.common.kafka.TopicNames;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Moves a service's consumer group back so it applies history again: safe because every handler is replay-safe.
 * Refused while the group has members: offsets of a running group cannot be moved under it.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Move a service's consumer group back to a time (or the beginning) so it re-applies history.")
final class ReplayCommand implements Callable<Integer> {

    /** The services whose group can be moved; each one's group and input topics are its defaults ({@link TopicNames}). */
    enum Service {
        provisioner(TopicNames.Consumer.PROVISIONER),
        cert(TopicNames.Consumer.CERT),
        reaper(TopicNames.Consumer.REAPER);

        final String group;
        final List<String> topics;

        Service(TopicNames.Consumer consumer) {
            this.group = consumer.group();
            this.topics = consumer.topics();
        }
    }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    Connection connection;

    @Option(names = "--service", required = true, description = "provisioner, cert or reaper")
    Service service;

    @Option(names = "--from", required = true, description = "an ISO-8601 time (2026-11-01T00:00:00Z) or 'earliest'")
    String from;

    @Option(names = "--group", description = "the consumer group, if not the service's default")
    String group;

    @Option(names = "--topics", split = ",", description = "the input topics, if not the service's defaults")
    List<String> topics;

    @Option(names = "--dry-run", description = "show what would move, move nothing")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        Instant at = null;
        if (!from.equals("earliest")) {
            try {
                at = Instant.parse(from);
            } catch (DateTimeParseException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--from must be an ISO-8601 time such as 2026-11-01T00:00:00Z, or 'earliest', not '" + from + "'");
            }
        }
        String groupId = group != null ? group : service.group;
        List<String> inputs = topics != null ? topics : service.topics;
        try (Admin admin = connection.admin()) {
            int members = members(admin, groupId);
            if (members > 0) {
                throw new Zk.Refused("consumer group " + groupId + " has " + members + " active member(s): stop "
                        + service + " first, then replay");
            }
            List<TopicPartition> partitions = new ArrayList<>();
            for (var description : admin.describeTopics(inputs).allTopicNames().get(timeout(), TimeUnit.MILLISECONDS)
                    .values()) {
                description.partitions().forEach(p -> partitions.add(new TopicPartition(description.name(), p.partition())));
            }
            Map<TopicPartition, OffsetSpec> wanted = new TreeMap<>(Comparator.comparing(TopicPartition::toString));
            for (TopicPartition tp : partitions) {
                wanted.put(tp, at == null ? OffsetSpec.earliest() : OffsetSpec.forTimestamp(at.toEpochMilli()));
            }
            Map<TopicPartition, ListOffsetsResultInfo> targets = admin.listOffsets(wanted).all()
                    .get(timeout(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(partitions.stream().collect(
                    Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()))).all()
                    .get(timeout(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetAndMetadata> current = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get(timeout(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetAndMetadata> moves = new TreeMap<>(Comparator.comparing(TopicPartition::toString));
            var out = spec.commandLine().getOut();
            out.printf("%-32s %10s %10s%n", "PARTITION", "FROM", "TO");
            for (TopicPartition tp : wanted.keySet()) {
                long target = targets.get(tp).offset();
                if (target < 0) {
                    target = ends.get(tp).offset(); // nothing at or after the time: the end
                }
                OffsetAndMetadata now = current.get(tp);
                out.printf("%-32s %10s %10d%n", tp, now == null ? "-" : Long.toString(now.offset()), target);
                moves.put(tp, new OffsetAndMetadata(target, "zk replay from " + from));
            }
            if (dryRun) {
                out.println("dry run: nothing moved");
                return 0;
            }
            admin.alterConsumerGroupOffsets(groupId, moves).all().get(timeout(), TimeUnit.MILLISECONDS);
            out.printf("moved %d partitions of group %s; start %s to re-apply them%n", moves.size(), groupId, service);
            return 0;
        }
    }

    private int members(Admin admin, String groupId) throws Exception {
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(groupId)).all()
                    .get(timeout(), TimeUnit.MILLISECONDS).get(groupId);
            return description.members().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return 0;
            }
            throw e;
        }
    }

    private long timeout() {
        return connection.timeout.toMillis();
    }
}
