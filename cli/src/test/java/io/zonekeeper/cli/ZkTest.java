package io.zonekeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.common.audit.Audit;
import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditOutcome;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ResourceType;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.SharedKafka;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** zk against the real broker: arguments, exit codes and what each command does to the topics. */
class ZkTest {

    private static final KafkaBroker KAFKA = SharedKafka.get();
    private final ApicurioRegistry registry = ApicurioRegistry.shared();
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final KafkaProducer<byte[], byte[]> producer = producer();

    @AfterEach
    void close() {
        producer.close();
    }

    /** What one zk invocation printed and returned. */
    private record Result(int exit, String out, String err) {
    }

    private Result zk(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        boolean connects = args.length > 0 && !List.of(args).contains("--help") && !args[0].equals("orgs")
                && !args[0].equals("org");
        if (connects && !String.join(" ", args).contains("--bootstrap-servers")) {
            all[args.length] = "--bootstrap-servers";
            all[args.length + 1] = KAFKA.bootstrapServers();
            all[args.length + 2] = "--schema-registry";
            all[args.length + 3] = registry.endpoint().toString();
        } else {
            all = args;
        }
        int exit = Zk.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void helpAndBadArguments() {
        Result help = zk("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("replay", "dlq", "audit", "orgs", "org", "reconcile", "emit");
        assertThat(zk("dlq", "redrive", "--help").out()).contains("--reason", "--from-offset", "--dry-run");

        Result badService = zk("replay", "--service", "mailer", "--from", "earliest");
        assertThat(badService.exit()).isEqualTo(2);
        assertThat(badService.err()).contains("--service");
        Result badTime = zk("replay", "--service", "cert", "--from", "yesterday");
        assertThat(badTime.exit()).isEqualTo(2);
        assertThat(badTime.err()).contains("ISO-8601");
        Result badName = zk("emit", "--org-id", "o-1", "--org-name", "b.a", "--cluster-id", "c-1", "--cluster-name",
                "prod", "--status", "RUNNING", "--kubeconfig-path", "clusters/c-1/kubeconfig");
        assertThat(badName.exit()).isEqualTo(2);
        assertThat(badName.err()).contains("'b.a' is not a single DNS label");
        // The services' own rules: a kubeconfig outside KUBECONFIG_VAULT_PREFIX would be dead-lettered by all three.
        Result elsewhere = zk("emit", "--org-id", "o-1", "--org-name", "acme", "--cluster-id", "c-1", "--cluster-name",
                "prod", "--status", "RUNNING", "--kubeconfig-path", "secret/c-1/kubeconfig");
        assertThat(elsewhere.exit()).isEqualTo(2);
        assertThat(elsewhere.err()).contains("kubeconfigVaultPath: 'secret/c-1/kubeconfig' is outside 'clusters/'");
    }

    @Test
    void reconcilePublishesACommandForTheOrganization() {
        String topic = "org-commands-" + suffix;
        KAFKA.createTopic(topic, 3, false);
        Result result = zk("reconcile", "--org", "org-9", "--reason", "drift after an incident", "--topic", topic);
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).contains("asked for a reconcile of org-9");
        List<ConsumerRecord<byte[], byte[]>> records = KAFKA.readAll(topic);
        assertThat(records).hasSize(1);
        var command = new AvroDeserializer<>(io.zonekeeper.schemas.OrgCommand.class, registryClient())
                .deserialize(topic, records.get(0).value());
        assertThat(command.getOrgId()).isEqualTo("org-9");
        assertThat(command.getAction()).isEqualTo(io.zonekeeper.schemas.OrgAction.RECONCILE);
        assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("org-9");
        assertThat(zk("reconcile", "--org", "bad/org").exit()).isEqualTo(2);
    }

    @Test
    void anUnreachableBrokerIsAClearErrorNotAHang() {
        Result result = zk("dlq", "list", "--bootstrap-servers", "127.0.0.1:1", "--timeout", "2s");
        assertThat(result.exit()).isEqualTo(3);
        assertThat(result.err()).contains("cannot reach Kafka at 127.0.0.1:1");
    }

    @Test
    void emitPublishesAValidatedEventKeyedByOrganization() {
        String topic = "lifecycle-" + suffix;
        KAFKA.createTopic(topic, 3, false);
        Result result = zk("emit", "--topic", topic, "--org-id", "org-7", "--org-name", "Acme", "--cluster-id", "c-7",
                "--cluster-name", "prod", "--status", "RUNNING", "--kubeconfig-path", "clusters/c-7/kubeconfig");
        assertThat(result.exit()).as(result.err()).isZero();
        List<ConsumerRecord<byte[], byte[]>> records = KAFKA.readAll(topic);
        assertThat(records).hasSize(1);
        assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("org-7");
        ClusterLifecycleEvent event = new AvroDeserializer<>(ClusterLifecycleEvent.class,
                registryClient())
                .deserialize(topic, records.get(0).value());
        assertThat(event.getClusterId()).isEqualTo("c-7");
        assertThat(event.getOrgName()).isEqualTo("Acme");
    }

    @Test
    void deadLettersAreListedAndRedrivenOncePerSourceRecordWithTheirKeyAndHeaders() {
        String source = "source-" + suffix;
        String dlq = source + ".dlq";
        KAFKA.createTopic(source, 1, false);
        KAFKA.createTopic(dlq, 1, false);
        var bad = new ConsumerRecord<>(source, 0, 41L, 0L, TimestampType.CREATE_TIME, 0, 0,
                "org-1".getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8),
                new org.apache.kafka.common.header.internals.RecordHeaders(List.of(
                        new org.apache.kafka.common.header.internals.RecordHeader("trace", "t-1".getBytes()))),
                java.util.Optional.empty());
        var other = new ConsumerRecord<>(source, 0, 42L, "org-2".getBytes(StandardCharsets.UTF_8),
                "also bad".getBytes(StandardCharsets.UTF_8));
        // The same record dead-lettered by two services, and another record by one.
        new DeadLetterPublisher(producer, new ServiceIdentity("provisioner-service", "p"), ".dlq", Clock.systemUTC(),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).publish(bad, "undecodable record", null);
        new DeadLetterPublisher(producer, new ServiceIdentity("cert-service", "c"), ".dlq", Clock.systemUTC(),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).publish(bad, "undecodable record", null);
        new DeadLetterPublisher(producer, new ServiceIdentity("cert-service", "c"), ".dlq", Clock.systemUTC(),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).publish(other, "name outside zone", null);

        Result list = zk("dlq", "list", "--topic", dlq);
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains("3 dead letter(s)", "provisioner-service", "cert-service",
                source + "-0@41", "undecodable record", "name outside zone");

        Result dryRun = zk("dlq", "redrive", "--topic", dlq, "--reason", "undecodable", "--dry-run");
        assertThat(dryRun.out()).contains("1 record(s) would be redriven");
        assertThat(KAFKA.readAll(source)).isEmpty();

        Result redrive = zk("dlq", "redrive", "--topic", dlq, "--reason", "undecodable");
        assertThat(redrive.exit()).as(redrive.err()).isZero();
        assertThat(redrive.out()).contains("1 record(s) redriven");
        List<ConsumerRecord<byte[], byte[]>> back = KAFKA.readAll(source);
        assertThat(back).hasSize(1);
        assertThat(new String(back.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("org-1");
        assertThat(back.get(0).value()).isEqualTo("not avro".getBytes(StandardCharsets.UTF_8));
        assertThat(back.get(0).headers().lastHeader("trace").value()).isEqualTo("t-1".getBytes());
        assertThat(back.get(0).headers().lastHeader(DeadLetterTopic.REDRIVEN_FROM)).isNotNull();
        assertThat(back.get(0).headers().lastHeader(DeadLetterPublisher.REASON)).isNull();

        assertThat(zk("dlq", "list", "--topic", dlq).out()).contains(source + "-0@0").contains("3 dead letter(s)");
        assertThat(zk("dlq", "redrive", "--topic", dlq, "--reason", "undecodable").out())
                .as("already redriven").contains("0 record(s) redriven");
        Result show = zk("dlq", "show", "--topic", dlq, "--offset", "2");
        assertThat(show.out()).contains("header  zk.dlq.reason: name outside zone", "key:    org-2", "value:  also bad",
                "redriven: no");
    }

    @Test
    void replayMovesAnIdleGroupBackAndRefusesARunningOne() throws Exception {
        String topic = "replay-" + suffix;
        String group = "group-" + suffix;
        KAFKA.createTopic(topic, 2, false);
        for (int i = 0; i < 10; i++) {
            producer.send(new ProducerRecord<>(topic, ("k" + i).getBytes(), ("v" + i).getBytes())).get();
        }
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(group)) {
            consumer.subscribe(List.of(topic));
            int read = 0;
            while (read < 10) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
            consumer.commitSync();
            AtomicBoolean polling = new AtomicBoolean(true);
            Thread member = new Thread(() -> {
                while (polling.get()) {
                    consumer.poll(Duration.ofMillis(100));
                }
            });
            member.start();
            Result refused = zk("replay", "--service", "provisioner", "--group", group, "--topics", topic, "--from",
                    "earliest");
            polling.set(false);
            member.join();
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).contains("has 1 active member(s)");
        }
        Result moved = zk("replay", "--service", "provisioner", "--group", group, "--topics", topic, "--from", "earliest");
        assertThat(moved.exit()).as(moved.err()).isZero();
        assertThat(moved.out()).contains("moved 2 partitions of group " + group);
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers",
                (Object) KAFKA.bootstrapServers()))) {
            var offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            assertThat(offsets.values()).allSatisfy(o -> assertThat(o.offset()).isZero());
        }
    }

    @Test
    void auditTailDecodesAndFilters() {
        String topic = "audit-" + suffix;
        KAFKA.createTopic(topic, 1, false);
        var publisher = new AuditPublisher(producer, new AvroSerializer<>(registryClient(), false, true), topic,
                new ServiceIdentity("cert-service", "c"), ServiceClock.system());
        for (var audit : List.of(
                new Audit(AuditAction.ISSUED, ResourceType.CERTIFICATE, "abc", AuditOutcome.SUCCEEDED, null, null,
                        "org-1", "c-1", Map.of()),
                new Audit(AuditAction.REJECTED, ResourceType.CERTIFICATE_REQUEST, "r-1", AuditOutcome.REFUSED,
                        "outside the zone", null, "org-2", null, Map.of()),
                new Audit(AuditAction.ISSUED, ResourceType.CERTIFICATE, "def", AuditOutcome.SUCCEEDED, null, null,
                        "org-2", "c-2", Map.of()))) {
            try {
                publisher.publish(audit).get();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        Result table = zk("audit", "tail", "--topic", topic, "--from-beginning", "--no-follow", "--org", "org-2");
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out()).contains("REJECTED", "outside the zone", "def").doesNotContain("abc");
        Result json = zk("audit", "tail", "--topic", topic, "--from-beginning", "--no-follow", "--action", "ISSUED",
                "--json");
        assertThat(json.out().lines().filter(l -> l.startsWith("{"))).hasSize(2);
    }

    private io.zonekeeper.common.serde.SchemaRegistryClient registryClient() {
        return io.zonekeeper.common.serde.SchemaRegistries.forTool(registry.endpoint().toString());
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
