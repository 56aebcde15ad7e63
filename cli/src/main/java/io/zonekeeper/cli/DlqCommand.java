package io.zonekeeper.cli;

import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.kafka.TopicNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Dead letters: what failed and why, and sending selected ones back to where they came from. */
@Command(name = "dlq", mixinStandardHelpOptions = true, description = "Inspect and redrive dead letters.",
        subcommands = {DlqCommand.ListLetters.class, DlqCommand.ShowLetter.class, DlqCommand.RedriveLetters.class})
final class DlqCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Selection shared by list and redrive. */
    static final class Selection {
        @Option(names = "--topic", defaultValue = TopicNames.LIFECYCLE + TopicNames.DEAD_LETTER_SUFFIX,
                description = "the dead-letter topic (default ${DEFAULT-VALUE})")
        String topic;

        @Option(names = "--reason", description = "only letters whose reason contains this text")
        String reason;

        @Option(names = "--from-offset", description = "only letters at this offset or later (any partition)")
        Long fromOffset;

        @Option(names = "--to-offset", description = "only letters at this offset or earlier (any partition)")
        Long toOffset;

        boolean matches(DeadLetterTopic.Letter letter) {
            long offset = letter.record().offset();
            return (reason == null || letter.reason().contains(reason))
                    && (fromOffset == null || offset >= fromOffset)
                    && (toOffset == null || offset <= toOffset);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List dead letters with their reasons.")
    static final class ListLetters implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Mixin
        Connection connection;
        @picocli.CommandLine.ArgGroup(exclusive = false)
        Selection selection = new Selection();

        @Override
        public Integer call() {
            var out = spec.commandLine().getOut();
            connection.admin().close();
            int shown = 0;
            out.printf("%-10s %-24s %-20s %-28s %-22s %s%n", "POSITION", "FAILED AT", "SERVICE", "SOURCE", "REDRIVEN", "REASON");
            for (DeadLetterTopic.Letter letter : DeadLetterTopic.read(connection, selection.topic)) {
                if (selection.matches(letter)) {
                    out.printf("%-10s %-24s %-20s %-28s %-22s %s%n", letter.position(),
                            letter.header(DeadLetterPublisher.FAILED_AT), letter.header(DeadLetterPublisher.SERVICE),
                            letter.source(), letter.redrivenTo() == null ? "-" : letter.redrivenTo(), letter.reason());
                    shown++;
                }
            }
            out.printf("%d dead letter(s)%n", shown);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one dead letter: headers, key, value.")
    static final class ShowLetter implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Mixin
        Connection connection;
        @Option(names = "--topic", defaultValue = TopicNames.LIFECYCLE + TopicNames.DEAD_LETTER_SUFFIX, description = "(default ${DEFAULT-VALUE})")
        String topic;
        @Option(names = "--partition", defaultValue = "0")
        int partition;
        @Option(names = "--offset", required = true)
        long offset;

        @Override
        public Integer call() {
            var out = spec.commandLine().getOut();
            connection.admin().close();
            for (DeadLetterTopic.Letter letter : DeadLetterTopic.read(connection, topic)) {
                if (letter.record().partition() == partition && letter.record().offset() == offset) {
                    out.println("position: " + topic + "-" + letter.position());
                    for (Header header : letter.record().headers()) {
                        out.println("header  " + header.key() + ": " + new String(header.value(), StandardCharsets.UTF_8));
                    }
                    out.println("key:    " + (letter.record().key() == null ? "(none)"
                            : new String(letter.record().key(), StandardCharsets.UTF_8)));
                    out.println("value:  " + describe(letter.record().value()));
                    out.println("redriven: " + (letter.redrivenTo() == null ? "no" : letter.redrivenTo()));
                    return 0;
                }
            }
            throw new Zk.Refused("no dead letter at " + topic + "-" + partition + "@" + offset);
        }

        /** The value as text when it is text, else its length and first bytes in hex (Avro is binary). */
        private static String describe(byte[] value) {
            if (value == null) {
                return "(null)";
            }
            String text = new String(value, StandardCharsets.UTF_8);
            if (text.chars().allMatch(c -> c >= 0x20 && c != 0xFFFD || c == '\n' || c == '\t')) {
                return text;
            }
            int shown = Math.min(value.length, 48);
            return value.length + " bytes: " + HexFormat.ofDelimiter(" ").formatHex(value, 0, shown)
                    + (shown < value.length ? " …" : "");
        }
    }

    @Command(name = "redrive", mixinStandardHelpOptions = true,
            description = "Send selected dead letters back to their source topic with their original key and headers,"
                    + " once per source record, and mark them redriven.")
    static final class RedriveLetters implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Mixin
        Connection connection;
        @picocli.CommandLine.ArgGroup(exclusive = false)
        Selection selection = new Selection();
        @Option(names = "--dry-run", description = "show what would be redriven, send nothing")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            var out = spec.commandLine().getOut();
            connection.admin().close();
            // Several services dead-letter the same bad record: send each source record back once.
            Map<String, DeadLetterTopic.Letter> bySource = new LinkedHashMap<>();
            for (DeadLetterTopic.Letter letter : DeadLetterTopic.read(connection, selection.topic)) {
                if (letter.redrivenTo() == null && selection.matches(letter)) {
                    bySource.putIfAbsent(letter.source(), letter);
                }
            }
            if (dryRun) {
                bySource.values().forEach(l -> out.println("would redrive " + l.source() + " (" + l.reason() + ")"));
                out.printf("%d record(s) would be redriven%n", bySource.size());
                return 0;
            }
            int sent = 0;
            try (KafkaProducer<byte[], byte[]> producer = connection.producer()) {
                for (DeadLetterTopic.Letter letter : new ArrayList<>(bySource.values())) {
                    String source = letter.header(DeadLetterPublisher.SOURCE_TOPIC);
                    RecordHeaders headers = new RecordHeaders();
                    for (Header header : letter.record().headers()) {
                        if (!header.key().startsWith("zk.dlq.")) {
                            headers.add(header);
                        }
                    }
                    headers.add(DeadLetterTopic.REDRIVEN_FROM, (selection.topic + "-" + letter.position())
                            .getBytes(StandardCharsets.UTF_8));
                    RecordMetadata redriven = producer.send(new ProducerRecord<>(source, null, letter.record().key(),
                            letter.record().value(), headers)).get();
                    RecordHeaders marker = new RecordHeaders();
                    marker.add(DeadLetterTopic.REDRIVEN_SOURCE, letter.source().getBytes(StandardCharsets.UTF_8));
                    marker.add(DeadLetterTopic.REDRIVEN_TO, (source + "-" + redriven.partition() + "@" + redriven.offset())
                            .getBytes(StandardCharsets.UTF_8));
                    marker.add(DeadLetterTopic.REDRIVEN_AT, Zk.clock().now().toString().getBytes(StandardCharsets.UTF_8));
                    producer.send(new ProducerRecord<>(selection.topic, letter.record().partition(), null,
                            letter.record().key(), null, marker)).get();
                    out.println("redrove " + letter.source() + " -> " + source + "-" + redriven.partition() + "@"
                            + redriven.offset());
                    sent++;
                }
            }
            out.printf("%d record(s) redriven%n", sent);
            return 0;
        }
    }
}
