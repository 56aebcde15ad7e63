package io.zonekeeper.reaper;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.zonekeeper.common.kafka.KafkaClients;
import io.zonekeeper.common.kafka.TopicLayout;
import io.zonekeeper.common.ops.HealthCheck;
import io.zonekeeper.common.runtime.RunningService;
import io.zonekeeper.common.runtime.ServiceRuntime;
import io.zonekeeper.common.serde.AvroSerde;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.ZoneReapCommand;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The reaper wired from its configuration on the {@link ServiceRuntime}, with Kafka Streams as its engine: what
 * {@code Main} runs and tests start.
 */
public final class ReaperService implements RunningService {

    private final ServiceRuntime runtime;
    private final KafkaStreams streams;

    private ReaperService(ReaperConfig config, ServiceClock clock) {
        ReaperConfig.Topics topics = config.topics();
        runtime = new ServiceRuntime(config.service(), clock, List.of(config.service().ingress().lifecycle(),
                topics.orgDns(), topics.orgClusters(), topics.reap(), topics.audit()),
                config.service().ingress().lifecycleRoute());
        streams = runtime.wire(() -> streams(config, clock));
    }

    private KafkaStreams streams(ReaperConfig config, ServiceClock clock) {
        ReaperConfig.Topics topics = config.topics();
        var registry = runtime.registry();
        var serdes = new ReaperSerdes(AvroSerde.forValues(ClusterLifecycleEvent.class, registry),
                AvroSerde.forValues(OrgDnsState.class, registry), AvroSerde.forValues(OrgClusters.class, registry),
                AvroSerde.forValues(ZoneReapCommand.class, registry), AvroSerde.forValues(AuditEvent.class, registry));
        KafkaClients kafka = runtime.kafka();
        Properties props = new Properties();
        props.putAll(kafka.common());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.CLIENT_ID_CONFIG, config.service().identity().service() + "-"
                + config.service().identity().instance());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir());
        // The stores' changelogs, like the state topics: their active segment rolls within the hour, so a restore
        // without local state reads about one record per key, not every change of the last week.
        props.put(StreamsConfig.topicPrefix(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG),
                Long.toString(TopicLayout.STATE_MAX_COMPACTION_LAG_MS));
        // Static membership: an instance that restarts under the same id within the session timeout gets its tasks
        // back without a rebalance, and a clean stop does not leave the group either (Streams never does).
        config.groupInstanceId().ifPresent(id ->
                props.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), id));
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringExceptionHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringExceptionHandler.class);
        props.put(DeadLetteringExceptionHandler.REJECTIONS_CONFIG, new DeadLetteringExceptionHandler.Target(
                runtime.rejections(config.service().ingress().lifecycle()), topics.orgDns()));
        // The operations port also serves the query endpoint; it was bound first so the instance can tell the
        // group where to reach it (application.server) even when the port was chosen by the system.
        HostInfo self = new HostInfo(config.queryAdvertisedHost(), runtime.ops().port());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        // Streams itself stays on real time (commit intervals, timeouts); only the topology's decisions read the
        // service's clock, and its punctuation keeps pace with it.
        // One task per lifecycle partition commands month-end reaps, each at its share of the provisioner's rate.
        int partitions = partitionCount(kafka, topics.lifecycle());
        KafkaStreams streams = new KafkaStreams(RunningClustersTopology.build(topics, serdes,
                config.reaping().policy(partitions), config.punctuateEvery(), config.service().eventRules(),
                config.service().identity().instance(), clock), props);
        runtime.own(() -> streams.close(Duration.ofSeconds(30)));
        KafkaStreamsMetrics streamsMetrics = runtime.own(new KafkaStreamsMetrics(streams));
        streamsMetrics.bindTo(runtime.metrics());
        runtime.ops().route("/orgs", new OrgQueryEndpoint(new OrgQueryService(
                new OrgStores(streams, topics.lifecycle(), self.host() + ":" + self.port()),
                new OrgMetadataService(streams, topics.lifecycle()), new ReaperPeers(Duration.ofSeconds(5)), self,
                partitions)));
        // Alive while Streams runs or rebalances; ready only while RUNNING, since a rebalancing instance answers
        // queries for tasks it may be losing.
        runtime.engine(HealthCheck.of("streams", () -> streams.state().isRunningOrRebalancing()
                        || streams.state() == KafkaStreams.State.CREATED, () -> streams.state().name()),
                HealthCheck.of("processing", () -> streams.state() == KafkaStreams.State.RUNNING,
                        () -> streams.state().name()));
        return streams;
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
        service.streams.start();
        service.runtime.start();
        return service;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    @Override
    public ServiceRuntime runtime() {
        return runtime;
    }
}
