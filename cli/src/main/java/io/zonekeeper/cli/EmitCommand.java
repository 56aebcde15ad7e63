package io.zonekeeper.cli;

import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.events.LifecycleEventRules;
import io.zonekeeper.common.events.InvalidEventException;
import io.zonekeeper.common.kafka.TopicNames;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** A lifecycle event by hand, for integration testing with the upstream: validated as the services validate. */
@Command(name = "emit", mixinStandardHelpOptions = true,
        description = "Publish a cluster lifecycle event (validated against the schema and the services' rules).")
final class EmitCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    Connection connection;
    @Option(names = "--topic", defaultValue = TopicNames.LIFECYCLE, description = "(default ${DEFAULT-VALUE})")
    String topic;
    @Option(names = "--org-id", required = true)
    String orgId;
    @Option(names = "--org-name", required = true, description = "a single DNS label")
    String orgName;
    @Option(names = "--cluster-id", required = true)
    String clusterId;
    @Option(names = "--cluster-name", required = true, description = "a single DNS label")
    String clusterName;
    @Option(names = "--status", required = true, description = "PROVISIONING, RUNNING, STOPPED, ERROR or DELETED")
    ClusterStatus status;
    @Option(names = "--kubeconfig-path", required = true, description = "Vault KV path of the cluster's kubeconfig")
    String kubeconfigPath;
    @Option(names = "--cloud", defaultValue = "amazon")
    String cloud;
    @Option(names = "--region", defaultValue = "eu-west-1")
    String region;
    @Option(names = "--occurred-at", description = "ISO-8601 time of the change (default: now, on the services' clock"
            + " if CLOCK_START is set)")
    Instant occurredAt;

    @Override
    public Integer call() throws Exception {
        if (status == ClusterStatus.UNKNOWN) {
            throw new ParameterException(spec.commandLine(), "--status UNKNOWN is for readers of newer schemas, not for events");
        }
        ClusterLifecycleEvent event = ClusterLifecycleEvent.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(occurredAt == null ? Zk.clock().now() : occurredAt)
                .setOrgId(orgId)
                .setOrgName(orgName)
                .setClusterId(clusterId)
                .setClusterName(clusterName)
                .setStatus(status)
                .setCloud(cloud)
                .setRegion(region)
                .setKubeconfigVaultPath(kubeconfigPath)
                .build();
        try {
            // The services' own rules, from the same settings they read (KUBECONFIG_VAULT_PREFIX, MAX_CLOCK_SKEW).
            LifecycleEventRules.read(new EnvReader(System.getenv())).check(orgId, event, Zk.clock().clock());
        } catch (InvalidEventException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        connection.admin().close();
        byte[] value = new AvroSerializer<ClusterLifecycleEvent>(connection.registry(), false, true).serialize(topic, event);
        try (KafkaProducer<byte[], byte[]> producer = connection.producer()) {
            RecordMetadata sent = producer.send(new ProducerRecord<>(topic, orgId.getBytes(StandardCharsets.UTF_8),
                    value)).get();
            spec.commandLine().getOut().printf("emitted %s %s of %s/%s to %s-%d@%d%n", event.getEventId(), status, orgId,
                    clusterId, topic, sent.partition(), sent.offset());
        }
        return 0;
    }
}
