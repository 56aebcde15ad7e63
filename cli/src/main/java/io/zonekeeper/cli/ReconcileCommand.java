package io.zonekeeper.cli;

import io.zonekeeper.common.events.Identifiers;
import io.zonekeeper.common.events.InvalidEventException;
import io.zonekeeper.common.kafka.TopicNames;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.schemas.OrgAction;
import io.zonekeeper.schemas.OrgCommand;
import java.nio.charset.StandardCharsets;
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

/**
 * Asks the provisioner and the cert service to check one organization against the world and repair drift. The
 * command goes through {@code org.commands.v1}, keyed by the organization, so each service runs it in order with
 * the organization's lifecycle events; what they repair shows in the audit trail with the command id as cause.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = "Ask the provisioner and the cert service to re-check one organization (drift repair).")
final class ReconcileCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    Connection connection;
    @Option(names = "--org", required = true, description = "organization id")
    String orgId;
    @Option(names = "--reason", description = "why, for the audit trail")
    String reason;
    @Option(names = "--topic", defaultValue = TopicNames.ORG_COMMANDS, description = "(default ${DEFAULT-VALUE})")
    String topic;

    @Override
    public Integer call() throws Exception {
        try {
            Identifiers.orgId(orgId);
        } catch (InvalidEventException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        OrgCommand command = OrgCommand.newBuilder()
                .setCommandId(UUID.randomUUID())
                .setIssuedAt(Zk.clock().now())
                .setIssuedBy("zk/" + System.getProperty("user.name", "operator"))
                .setOrgId(orgId)
                .setAction(OrgAction.RECONCILE)
                .setReason(reason)
                .build();
        connection.admin().close();
        byte[] value = new AvroSerializer<OrgCommand>(connection.registry(), false, true).serialize(topic, command);
        try (KafkaProducer<byte[], byte[]> producer = connection.producer()) {
            RecordMetadata sent = producer.send(new ProducerRecord<>(topic, orgId.getBytes(StandardCharsets.UTF_8),
                    value)).get();
            spec.commandLine().getOut().printf("asked for a reconcile of %s (command %s, %s-%d@%d); follow it with:"
                    + " zk audit tail --org %s%n", orgId, command.getCommandId(), topic, sent.partition(), sent.offset(),
                    orgId);
        }
        return 0;
    }
}
