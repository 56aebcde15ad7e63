package io.zonekeeper.testkit.kafka;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft broker (combined broker and controller) started inside this JVM from Kafka's own
 * test kit: the real broker code, on an ephemeral loopback port, with no Docker needed.
 */
public final class InProcessKafka implements KafkaBroker {

    private static final Logger LOG = LoggerFactory.getLogger(InProcessKafka.class);

    private final KafkaClusterTestKit cluster;

    private InProcessKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static InProcessKafka start() {
        // A broker in a test JVM must never end the JVM: at exit, Kafka's own hook deletes its log directory while the
        // broker still runs, and the broker then halts the process (Exit.halt) before the other shutdown hooks have
        // stopped the child programs (moto, OpenBao, the registry), which outlived the local run. It logs instead.
        Exit.setHaltProcedure((status, message) -> LOG.warn("the in-process broker asked to halt the JVM ({}): {};"
                + " ignored", status, message));
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    // The test kit defaults to the newest, possibly unreleased, metadata version; run what
                    // production brokers of this Kafka release run.
                    .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
                    // A single broker cannot replicate internal topics three times.
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "4")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "4")
                    .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                    .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                    // Tests should not wait for the production rebalance delay.
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    // As in production: topics are created on purpose, never by a typo.
                    .setConfigProp("auto.create.topics.enable", "false")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new InProcessKafka(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the in-process Kafka broker", e);
        }
    }

    @Override
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public String description() {
        return "in-process KRaft broker at " + bootstrapServers();
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the in-process Kafka broker", e);
        }
    }
}
