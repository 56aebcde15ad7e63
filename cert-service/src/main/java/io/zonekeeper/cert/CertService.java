package io.zonekeeper.cert;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zonekeeper.cert.kubernetes.TlsSecrets;
import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.cert.model.CertificateIssuer;
import io.zonekeeper.cert.vault.AuthorityVault;
import io.zonekeeper.cert.vault.CertificateVault;
import io.zonekeeper.cert.vault.NameClaims;
import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.dlq.Rejections;
import io.zonekeeper.common.kafka.Ingress;
import io.zonekeeper.common.kafka.KafkaClients;
import io.zonekeeper.common.kafka.KeyedParallelConsumer;
import io.zonekeeper.common.kafka.OrgRecordRouter;
import io.zonekeeper.common.kafka.StateTopic;
import io.zonekeeper.common.kubernetes.ClusterClaims;
import io.zonekeeper.common.kubernetes.ClusterClients;
import io.zonekeeper.common.kubernetes.KubernetesObjects;
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
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.TlsStatus;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.Producer;

/** The cert service wired from its configuration: what {@code Main} runs and what tests start. */
public final class CertService implements AutoCloseable {

    private final Resources resources = new Resources();
    private final Ingress ingress;
    private final PrometheusMeterRegistry metrics;
    private final KeyedParallelConsumer consumer;
    private final RenewalSchedule schedule;
    private final OpsServer ops;
    private final CertificateStates states;

    private CertService(CertConfig config, ServiceClock time) {
        metrics = ServiceMetrics.prometheus(config.identity());
        time.bindTo(metrics);
        Clock clock = time.clock();
        Retry retry = new Retry(config.retry(), metrics);
        SchemaRegistryClient registry = SchemaRegistries.forService(config.kafka(), retry);
        CompatibilityLevels compatibility = CompatibilityLevels.ensure(registry, config.kafka().schemaCompatibility(),
                List.of(config.ingress().lifecycle(), config.ingress().requests(), config.topics().commands(),
                        config.topics().orgCommands(), config.topics().tlsState(), config.topics().audit()));
        KafkaClients kafka = new KafkaClients(config.kafka(), config.identity());
        Producer<byte[], byte[]> producer = kafka.producer();
        resources.add(producer);
        resources.add(ServiceMetrics.bind(producer, metrics));
        ingress = resources.add(kafka.ingress(config.ingress().group(), config.ingress().lifecycleAndRequestRoutes(), Duration.ofSeconds(1)));

        var vaultConnection = VaultClients.connect(config.vault());
        resources.add(vaultConnection);
        var kv = vaultConnection.kv();
        CertNaming naming = new CertNaming(config.baseDomain(), config.vaultPrefix(), config.serverSecretName());
        CertificateIssuer issuer = new CertificateIssuer(new SecureRandom(), config.issuance().backdate());

        var stateConsumerConfig = kafka.consumerConfig(config.consumerGroup() + "-state");
        stateConsumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
        stateConsumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        StateTopic<ClusterTlsState> stateTopic = new StateTopic<>(config.topics().tlsState(), producer,
                new AvroSerializer<>(registry, false, true), new AvroDeserializer<>(ClusterTlsState.class, registry),
                new KafkaConsumer<>(stateConsumerConfig), CertificateStates::keyOf, ClusterTlsState::getUpdatedAt)
                .restore(Duration.ofMinutes(5));
        resources.add(stateTopic);
        states = new CertificateStates(stateTopic);

        AuditPublisher audit = new AuditPublisher(producer, new AvroSerializer<>(registry, false, true),
                config.topics().audit(), config.identity(), time);
        DeadLetterPublisher deadLetters = new DeadLetterPublisher(producer, config.identity(),
                config.topics().deadLetterSuffix(), clock, metrics)
                .counting(config.ingress().lifecycle(), config.ingress().requests(), config.topics().commands(),
                        config.topics().orgCommands());
        ClusterClients clusterClients = new ClusterClients(kv, config.vault().kubeconfigPrefix(),
                new ClusterClaims(new VaultSecrets(kv, retry), config.vault().clusterClaimsPrefix(),
                        config.identity().service()), config.kubernetesRequestTimeout());
        resources.add(clusterClients);

        VaultSecrets secrets = new VaultSecrets(kv, retry);
        OrgAuthorities authorities = new OrgAuthorities(naming, new AuthorityVault(secrets), new NameClaims(secrets), issuer,
                config.issuance(), clock);
        ClusterCertificates certificates = new ClusterCertificates(naming, new CertificateVault(secrets),
                new TlsSecrets(config.secretNamespace(), new KubernetesObjects(retry)), clusterClients, issuer, config.issuance(), clock,
                metrics);
        CertReconciler reconciler = new CertReconciler(naming, authorities, certificates, states, config.issuance(),
                clock);
        CertHandler handler = new CertHandler(config.topics(), naming, states, reconciler, audit,
                config.eventRules(), clock);
        OrgRecordRouter router = new OrgRecordRouter(handler.routes(), registry, new Rejections(deadLetters, audit));

        var consumerConfig = kafka.consumerConfig(config.consumerGroup());
        // Lifecycle events, requests and commands of an organization share a partition number (all keyed by orgId,
        // same partition count); the range assignor gives all of them to the same instance.
        consumerConfig.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
        KafkaConsumer<byte[], byte[]> records = new KafkaConsumer<>(consumerConfig);
        resources.add(ServiceMetrics.bind(records, metrics));
        consumer = new KeyedParallelConsumer(records, router.topics(), router, router::rejectUnexpected,
                KeyedParallelConsumer.Settings.of(config.workers(), config.shutdownGrace(),
                        config.retry()), metrics);

        schedule = new RenewalSchedule(states, consumer::assignment, config.topics().commands(), producer,
                new AvroSerializer<>(registry, false, true), config.identity(), time, config.scheduleEvery());

        // For dashboards and alerts: how many certificates, and how soon the first one expires.
        metrics.gauge("zonekeeper.certificates.managed", states, s -> s.ofStatus(TlsStatus.ISSUED).size());
        metrics.gauge("zonekeeper.certificates.earliest.expiry.seconds", states, s -> s.ofStatus(TlsStatus.ISSUED).stream()
                .map(ClusterTlsState::getNotAfter).filter(Objects::nonNull)
                .mapToLong(notAfter -> Duration.between(clock.instant(), notAfter).toSeconds())
                .min().orElse(-1));
        ops = new OpsServer(config.ops().httpPort(), metrics, List.of(HealthCheck.of("consumer", consumer::polling),
                HealthCheck.of("ingress", ingress::running), compatibility, time.health()),
                List.of(HealthCheck.of("group", consumer::processing)));
    }

    /** Starts the service; every time decision it makes reads {@code clock}. */
    public static CertService start(CertConfig config, ServiceClock clock) {
        CertService service = new CertService(config, clock);
        service.ingress.start("cert-ingress");
        service.consumer.start("cert-consumer");
        service.schedule.start();
        service.ops.start();
        return service;
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    public int opsPort() {
        return ops.port();
    }

    /** Runs one renewal scan now (tests and operators' tools); returns the commands issued. */
    public int scanNow() {
        return schedule.scan();
    }

    /** Whether this instance owns any partition yet (the schedule issues nothing before). */
    public boolean ownsPartitions() {
        return !consumer.assignment().isEmpty();
    }

    @Override
    public void close() {
        schedule.close();
        consumer.close();
        ops.close();
        resources.close();
    }
}
