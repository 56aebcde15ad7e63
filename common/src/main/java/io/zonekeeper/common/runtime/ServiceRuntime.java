package io.zonekeeper.common.runtime;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.config.ConsumerSettings;
import io.zonekeeper.common.config.ServiceSettings;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.dlq.Rejections;
import io.zonekeeper.common.kafka.ConsumerProgress;
import io.zonekeeper.common.kafka.Ingress;
import io.zonekeeper.common.kafka.KafkaClients;
import io.zonekeeper.common.kafka.KeyedParallelConsumer;
import io.zonekeeper.common.kafka.OrgRecordRouter;
import io.zonekeeper.common.kafka.StateTopic;
import io.zonekeeper.common.kubernetes.ClusterClaims;
import io.zonekeeper.common.kubernetes.ClusterClients;
import io.zonekeeper.common.ops.HealthCheck;
import io.zonekeeper.common.ops.OpsServer;
import io.zonekeeper.common.ops.Resources;
import io.zonekeeper.common.ops.ServiceMetrics;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.CompatibilityLevels;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.common.vault.VaultClients;
import io.zonekeeper.common.vault.VaultSecrets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.Producer;
import org.springframework.vault.core.VaultVersionedKeyValueOperations;

/**
 * What every service runs on, wired once: its metrics, retries, the schema registry and the compatibility it checks,
 * one producer, the ingress, audit events and rejections, the operations port, and what the service opens besides,
 * closed in reverse order of opening. A service builds its own parts from these, then gives its routes to
 * {@link #consume} (the handler services) or registers an engine of its own (the reaper's Kafka Streams) with
 * {@link #engine}, adds its schedules, and {@link #start}s.
 */
public final class ServiceRuntime implements AutoCloseable {

    /** Work a service runs beside its records (a schedule): started with the service, stopped first. */
    public interface Background extends AutoCloseable {
        void start();

        @Override
        void close();
    }

    private final Resources resources = new Resources();
    private final ServiceSettings settings;
    private final ServiceClock time;
    private final PrometheusMeterRegistry metrics;
    private final Retry retry;
    private final SchemaRegistryClient registry;
    private final CompatibilityLevels compatibility;
    private final KafkaClients kafka;
    private final Producer<byte[], byte[]> producer;
    private final Ingress ingress;
    private final AuditPublisher audit;
    private final OpsServer ops;
    private final ConsumerProgress progress = new ConsumerProgress();
    private final List<HealthCheck> health = new ArrayList<>();
    private final List<HealthCheck> readiness = new ArrayList<>();
    private final List<Background> background = new ArrayList<>();
    private DeadLetterPublisher deadLetters;
    private KeyedParallelConsumer consumer;

    /**
     * @param registered the topics whose subjects it writes or reads, whose compatibility level it checks
     * @param routes     what its ingress forwards
     */
    public ServiceRuntime(ServiceSettings settings, ServiceClock time, List<String> registered,
                          List<Ingress.Route> routes) {
        this.settings = settings;
        this.time = time;
        metrics = ServiceMetrics.prometheus(settings.identity());
        time.bindTo(metrics);
        retry = new Retry(settings.retry(), metrics);
        registry = SchemaRegistries.forService(settings.kafka(), retry);
        compatibility = CompatibilityLevels.ensure(registry, settings.kafka().schemaCompatibility(), registered);
        kafka = new KafkaClients(settings.kafka(), settings.identity());
        try {
            producer = resources.add(kafka.producer());
            resources.add(ServiceMetrics.bind(producer, metrics));
            ingress = resources.add(kafka.ingress(settings.ingress().group(), routes, Duration.ofSeconds(1)));
            audit = new AuditPublisher(producer, new AvroSerializer<>(registry, false, true), settings.audit(),
                    settings.identity(), time);
            // Bound now, so a service can say where it listens before it serves (the reaper's application.server).
            ops = new OpsServer(settings.ops().httpPort(), metrics);
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    public Retry retry() {
        return retry;
    }

    public SchemaRegistryClient registry() {
        return registry;
    }

    public KafkaClients kafka() {
        return kafka;
    }

    public AuditPublisher audit() {
        return audit;
    }

    public OpsServer ops() {
        return ops;
    }

    /** What the consumer owns and how far it got, available before the consumer exists. */
    public ConsumerProgress progress() {
        return progress;
    }

    /**
     * Builds the service's own parts on this runtime; if that fails, everything opened so far is closed before the
     * failure is rethrown, so a service that cannot start leaves no thread or connection behind.
     */
    public <T> T wire(Supplier<T> parts) {
        try {
            return parts.get();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Runs {@link #wire(Supplier)} for parts that return nothing. */
    public void wire(Runnable parts) {
        wire(() -> {
            parts.run();
            return null;
        });
    }

    /** Vault as a service reaches it: the KV adapter its typed stores sit on, and the clusters events name. */
    public record VaultAccess(VaultSecrets secrets, ClusterClients clusters) {
    }

    /**
     * Connects to Vault once, closed with the service: the KV adapter, and clients for the clusters events name,
     * each reached through the cluster claims both services share.
     */
    public VaultAccess vault(VaultSettings vault, Duration kubernetesRequestTimeout) {
        VaultVersionedKeyValueOperations kv = own(VaultClients.connect(vault)).kv();
        VaultSecrets secrets = new VaultSecrets(kv, retry);
        ClusterClients clusters = own(new ClusterClients(kv, vault.kubeconfigPrefix(),
                new ClusterClaims(secrets, vault.clusterClaimsPrefix(), settings.identity().service()),
                kubernetesRequestTimeout));
        return new VaultAccess(secrets, clusters);
    }

    /** Closes {@code resource} with the service, before everything opened earlier. */
    public <T extends AutoCloseable> T own(T resource) {
        return resources.add(resource);
    }

    /**
     * Dead letters of {@code inputs}, each counted from zero so the first one can alert; rejections are audited too.
     * One publisher per service: call once.
     */
    public Rejections rejections(String... inputs) {
        if (deadLetters != null) {
            throw new IllegalStateException("the dead letters of " + settings.identity().service()
                    + " are already set up");
        }
        deadLetters = new DeadLetterPublisher(producer, settings.identity(), settings.deadLetterSuffix(),
                time.clock(), metrics).counting(inputs);
        return new Rejections(deadLetters, audit);
    }

    /**
     * Restores {@code topic}, a compacted topic of the service's own state, into memory (up to five minutes; a
     * larger state means a misconfigured topic), read committed like every consumer here.
     */
    public <V extends SpecificRecord> StateTopic<V> restoreState(String topic, Class<V> type,
                                                                   Function<V, String> keyOf,
                                                                   Function<V, Instant> updatedAt) {
        Map<String, Object> config = kafka.consumerConfig(settings.identity().service() + "-state");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return resources.add(new StateTopic<>(topic, producer, new AvroSerializer<>(registry, false, true),
                new AvroDeserializer<>(type, registry), new KafkaConsumer<>(config), keyOf, updatedAt)
                .restore(Duration.ofMinutes(5)));
    }

    /** The command topic {@code topic}, which this service sends itself and consumes. */
    public <C extends SpecificRecord> CommandTopic<C> commands(String topic) {
        return new CommandTopic<>(topic, producer, new AvroSerializer<>(registry, false, true), progress);
    }

    /** Runs {@code work} beside the records from {@link #start} until {@link #close}. */
    public <B extends Background> B background(B work) {
        background.add(work);
        return work;
    }

    /**
     * Consumes the routes' topics in {@code consumer}'s group, records of different organizations in parallel and
     * each organization's in order; what cannot be applied goes to {@link #rejections}, which must be set up first.
     */
    public void consume(ConsumerSettings consumer, List<OrgRecordRouter.Route<?>> routes, Rejections rejections) {
        if (this.consumer != null) {
            throw new IllegalStateException("a service has one consumer");
        }
        OrgRecordRouter router = new OrgRecordRouter(routes, registry, rejections);
        Map<String, Object> config = kafka.consumerConfig(consumer.group());
        // Every topic a service consumes is keyed by orgId with the same partition count, so an organization has one
        // partition number on all of them; the range assignor gives all of those partitions to the same instance.
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
        KafkaConsumer<byte[], byte[]> records = new KafkaConsumer<>(config);
        resources.add(ServiceMetrics.bind(records, metrics));
        this.consumer = new KeyedParallelConsumer(records, router.topics(), router, router::rejectUnexpected,
                KeyedParallelConsumer.Settings.of(consumer.workers(), consumer.shutdownGrace(), settings.retry()),
                progress, metrics);
        engine(HealthCheck.of("consumer", this.consumer::polling), HealthCheck.of("group", this.consumer::processing));
    }

    /**
     * What does the service's work, for the operations port: {@code alive} joins {@code /health}, {@code working}
     * joins {@code /ready}. They come before the ingress's, the registry's and the clock's checks.
     */
    public void engine(HealthCheck alive, HealthCheck working) {
        health.add(alive);
        readiness.add(working);
    }

    /** Starts the ingress, the consumer, the schedules and the operations port. */
    public ServiceRuntime start() {
        String service = settings.identity().service().replace("-service", "");
        ingress.start(service + "-ingress");
        if (consumer != null) {
            consumer.start(service + "-consumer");
        }
        background.forEach(Background::start);
        List<HealthCheck> checks = new ArrayList<>(health);
        checks.addAll(List.of(HealthCheck.of("ingress", ingress::running), compatibility, time.health()));
        ops.start(checks, readiness);
        return this;
    }

    /** Stops the schedules, then the consumer (in-flight work finishes within its grace), then everything else. */
    @Override
    public void close() {
        for (int i = background.size() - 1; i >= 0; i--) {
            background.get(i).close();
        }
        if (consumer != null) {
            consumer.close();
        }
        ops.close();
        resources.close();
    }
}
