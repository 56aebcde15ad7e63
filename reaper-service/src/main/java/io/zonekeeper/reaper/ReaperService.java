package io.zonekeeper.reaper;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.kafka.Ingress;
import io.zonekeeper.common.kafka.KafkaClients;
import io.zonekeeper.common.ops.HealthCheck;
import io.zonekeeper.common.ops.OpsServer;
import io.zonekeeper.common.ops.ServiceMetrics;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.serde.AvroSerde;
import io.zonekeeper.common.serde.CompatibilityLevels;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.ZoneReapCommand;
import io.zonekeeper.common.time.ServiceClock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;

/** The reaper wired from its configuration: what {@code Main} runs and what tests start. */
public final class ReaperService implements AutoCloseable {

    private final PrometheusMeterRegistry metrics;
    private final Producer<byte[], byte[]> deadLetterProducer;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics streamsMetrics;
    private final OpsServer ops;
    private final Ingress ingress;

    private ReaperService(ReaperConfig config, ServiceClock clock) {
        metrics = ServiceMetrics.prometheus(config.identity());
        clock.bindTo(metrics);
        var registry = SchemaRegistries.forService(config.kafka(), new Retry(config.retry(), metrics));
        CompatibilityLevels compatibility = CompatibilityLevels.ensure(registry, config.kafka().schemaCompatibility(),
                List.of(config.ingress().lifecycle(), config.topics().orgDns(), config.topics().orgClusters(),
                        config.topics().reap(), config.topics().audit()));
        var serdes = new ReaperSerdes(AvroSerde.forValues(ClusterLifecycleEvent.class, registry),
                AvroSerde.forValues(OrgDnsState.class, registry), AvroSerde.forValues(OrgClusters.class, registry),
                AvroSerde.forValues(ZoneReapCommand.class, registry), AvroSerde.forValues(AuditEvent.class, registry));
        KafkaClients kafka = new KafkaClients(config.kafka(), config.identity());
        deadLetterProducer = kafka.producer();
        ingress = kafka.ingress(config.ingress().group(), config.ingress().lifecycleRoute(), Duration.ofSeconds(1));
        Properties props = new Properties();
        props.putAll(kafka.common());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.CLIENT_ID_CONFIG, config.identity().service() + "-" + config.identity().instance());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir());
        // Static membership: an instance that restarts under the same id within the session timeout gets its tasks
        // back without a rebalance, and a clean stop does not leave the group either (Streams never does).
        config.groupInstanceId().ifPresent(id ->
                props.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), id));
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringExceptionHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringExceptionHandler.class);
        props.put(DeadLetteringExceptionHandler.PUBLISHER_CONFIG, new DeadLetterPublisher(deadLetterProducer,
                config.identity(), config.deadLetterSuffix(), clock.clock(), metrics)
                .counting(config.ingress().lifecycle()));
        // The operations port also serves the query endpoint; it is bound first so the instance can tell the
        // group where to reach it (application.server) even when the port was chosen by the system.
        // Alive while Streams runs or rebalances; ready only while RUNNING, since a rebalancing instance answers
        // queries for tasks it may be losing.
        ops = new OpsServer(config.ops().httpPort(), metrics, List.of(
                HealthCheck.of("streams", () -> state().isRunningOrRebalancing()
                        || state() == KafkaStreams.State.CREATED, () -> state().name()),
                HealthCheck.of("ingress", ingress::running), compatibility, clock.health()),
                List.of(HealthCheck.of("processing", () -> state() == KafkaStreams.State.RUNNING,
                        () -> state().name())));
        HostInfo self = new HostInfo(config.queryAdvertisedHost(), ops.port());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        // Streams itself stays on real time (commit intervals, timeouts); only the topology's decisions read the
        // service's clock, and its punctuation keeps pace with it.
        // One task per lifecycle partition commands month-end reaps, each at its share of the provisioner's rate.
        int partitions = partitionCount(kafka, config.topics().lifecycle());
        streams = new KafkaStreams(RunningClustersTopology.build(config.topics(), serdes,
                config.reaping().policy(partitions), config.punctuateEvery(), config.eventRules(),
                config.identity().instance(), clock), props);
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(metrics);
        ops.route("/orgs", new OrgQueryEndpoint(streams, self, Duration.ofSeconds(5), config.topics().lifecycle(),
                partitions));
    }

    private static int partitionCount(KafkaClients kafka, String topic) {
        try (Admin admin = kafka.admin()) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions().size();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe topic " + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted describing topic " + topic, e);
        }
    }

    /** Starts the reaper; every reap decision, the schedule and audit times read {@code clock}. */
    public static ReaperService start(ReaperConfig config, ServiceClock clock) {
        ReaperService service = new ReaperService(config, clock);
        service.ingress.start("reaper-ingress");
        service.streams.start();
        service.ops.start();
        return service;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public int opsPort() {
        return ops.port();
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
        ingress.close();
        streamsMetrics.close();
        ops.close();
        deadLetterProducer.close();
    }
}
