package io.zonekeeper.cli;

import io.zonekeeper.common.kafka.TopicNames;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The audit trail, decoded. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Read the audit topic.",
        subcommands = AuditCommand.Tail.class)
final class AuditCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "tail", mixinStandardHelpOptions = true,
            description = "Follow the audit topic (from its end, or the beginning), as a table or JSON lines.")
    static final class Tail implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Mixin
        Connection connection;
        @Option(names = "--topic", defaultValue = TopicNames.AUDIT, description = "(default ${DEFAULT-VALUE})")
        String topic;
        @Option(names = "--org", description = "only this organization id")
        String org;
        @Option(names = "--action", description = "only this action, e.g. REJECTED or REAP_COMMANDED")
        AuditAction action;
        @Option(names = "--json", description = "one JSON object per line instead of a table")
        boolean json;
        @Option(names = "--from-beginning", description = "start at the beginning of the topic, not its end")
        boolean fromBeginning;
        @Option(names = "--no-follow", description = "stop at the current end of the topic")
        boolean noFollow;
        @Option(names = "--max", description = "stop after this many events")
        Integer max;

        @Override
        public Integer call() {
            var out = spec.commandLine().getOut();
            connection.admin().close();
            var deserializer = new AvroDeserializer<>(AuditEvent.class, connection.registry());
            int shown = 0;
            try (KafkaConsumer<byte[], byte[]> consumer = connection.consumer()) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic, connection.timeout).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(partitions);
                if (fromBeginning) {
                    consumer.seekToBeginning(partitions);
                } else {
                    consumer.seekToEnd(partitions);
                }
                var end = consumer.endOffsets(partitions, connection.timeout);
                if (!json) {
                    out.printf("%-24s %-20s %-15s %-22s %-36s %-12s %-9s %s%n", "AT", "SERVICE", "ACTION", "RESOURCE",
                            "ID", "ORG", "OUTCOME", "REASON");
                }
                while (true) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(300))) {
                        AuditEvent event = deserializer.deserialize(record.topic(), record.value());
                        if ((org == null || org.equals(event.getOrgId())) && (action == null || action == event.getAction())) {
                            out.println(json ? event.toString() : String.format("%-24s %-20s %-15s %-22s %-36s %-12s %-9s %s",
                                    event.getOccurredAt(), event.getService(), event.getAction(), event.getResourceType(),
                                    event.getResourceId(), event.getOrgId() == null ? "-" : event.getOrgId(),
                                    event.getOutcome(), event.getReason() == null ? "" : event.getReason()));
                            out.flush();
                            shown++;
                            if (max != null && shown >= max) {
                                return 0;
                            }
                        }
                    }
                    if (noFollow && partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
                        return 0;
                    }
                }
            }
        }
    }
}
