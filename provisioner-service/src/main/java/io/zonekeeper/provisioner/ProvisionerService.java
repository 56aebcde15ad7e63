package io.zonekeeper.provisioner;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.aws.AwsCallMetrics;
import io.zonekeeper.common.aws.AwsClients;
import io.zonekeeper.common.aws.RateLimitingInterceptor;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.dlq.Rejections;
import io.zonekeeper.common.kafka.Delivery;
import io.zonekeeper.common.kafka.Ingress;
import io.zonekeeper.common.kafka.KafkaClients;
import io.zonekeeper.common.kafka.KeyedParallelConsumer;
import io.zonekeeper.common.kafka.OrgPartitions;
import io.zonekeeper.common.kafka.OrgRecordRouter;
import io.zonekeeper.common.kafka.StateTopic;
import io.zonekeeper.common.kubernetes.ClusterClaims;
import io.zonekeeper.common.kubernetes.ClusterClients;
import io.zonekeeper.common.kubernetes.KubernetesObjects;
import io.zonekeeper.common.ops.HealthCheck;
import io.zonekeeper.common.ops.OpsServer;
import io.zonekeeper.common.ops.Resources;
import io.zonekeeper.common.ops.ServiceMetrics;
import io.zonekeeper.common.ratelimit.ApiRateLimiter;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.CompatibilityLevels;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.common.vault.VaultClients;
import io.zonekeeper.common.vault.VaultSecrets;
import io.zonekeeper.provisioner.aws.AccountQuotas;
import io.zonekeeper.provisioner.aws.DelegationSetPool;
import io.zonekeeper.provisioner.aws.HostedZones;
import io.zonekeeper.provisioner.aws.IamUsers;
import io.zonekeeper.provisioner.aws.ManagedPolicies;
import io.zonekeeper.provisioner.kubernetes.ExternalDnsDeployment;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.provisioner.model.OrgNaming;
import io.zonekeeper.provisioner.vault.AccessKeyVault;
import io.zonekeeper.schemas.OrgCommand;
import io.zonekeeper.schemas.OrgDnsState;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.route53.Route53Client;

/** The provisioner wired from its configuration: what {@code Main} runs and what tests start. */
public final class ProvisionerService implements AutoCloseable {

    private final Resources resources = new Resources();
    private final PrometheusMeterRegistry metrics;
    private final KeyedParallelConsumer consumer;
    private final OpsServer ops;
    private final ExternalDnsFleet fleet;
    private final Ingress ingress;

    private ProvisionerService(ProvisionerConfig config, ServiceClock time) {
        metrics = ServiceMetrics.prometheus(config.identity());
        time.bindTo(metrics);
        Clock clock = time.clock();
        Retry retry = new Retry(config.retry(), metrics);
        SchemaRegistryClient registry = SchemaRegistries.forService(config.kafka(), retry);
        // What it writes (its state, audit events, its own commands) and what others write for it to read.
        CompatibilityLevels compatibility = CompatibilityLevels.ensure(registry, config.kafka().schemaCompatibility(),
                List.of(config.ingress().lifecycle(), config.topics().reap(), config.topics().orgCommands(),
                        config.topics().orgDns(), config.topics().audit()));
        KafkaClients kafka = new KafkaClients(config.kafka(), config.identity());
        Producer<byte[], byte[]> producer = kafka.producer();
        resources.add(producer);
        resources.add(ServiceMetrics.bind(producer, metrics));
        ingress = resources.add(kafka.ingress(config.ingress().group(), config.ingress().lifecycleRoute(), Duration.ofSeconds(1)));

        ApiRateLimiter route53Limits = new ApiRateLimiter("route53", config.rateLimits().route53(),
                config.rateLimits().route53Operations(), metrics);
        ApiRateLimiter iamLimits = new ApiRateLimiter("iam", config.rateLimits().iam(), Map.of(), metrics);
        AwsClients aws = new AwsClients(config.aws(),
                List.of(new RateLimitingInterceptor(route53Limits), new AwsCallMetrics(metrics)),
                List.of(new RateLimitingInterceptor(iamLimits), new AwsCallMetrics(metrics)));
        Route53Client route53 = aws.route53();
        IamClient iam = aws.iam();
        resources.add(route53);
        resources.add(iam);

        var vaultConnection = VaultClients.connect(config.vault());
        resources.add(vaultConnection);
        var kv = vaultConnection.kv();
        AccessKeyVault vault = new AccessKeyVault(new VaultSecrets(kv, retry));
        OrgNaming naming = new OrgNaming(config.baseDomain(), config.iamPath(), config.credentialsVaultPrefix());
        var delegationSets = new DelegationSetPool(route53, retry, clock, config.quotaRefresh(), config.delegationSet(),
                naming.delegationSetReference()).verified();
        HostedZones zones = new HostedZones(route53, retry, delegationSets);
        ManagedPolicies managedPolicies = new ManagedPolicies(iam, retry);
        IamUsers users = new IamUsers(iam, retry);

        var stateConsumerConfig = kafka.consumerConfig(config.consumerGroup() + "-state");
        stateConsumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
        stateConsumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        StateTopic<OrgDnsState> states = new StateTopic<>(config.topics().orgDns(), producer, new AvroSerializer<>(registry, false, true),
                new AvroDeserializer<>(OrgDnsState.class, registry), new KafkaConsumer<>(stateConsumerConfig),
                OrgDnsState::getOrgId, OrgDnsState::getUpdatedAt)
                .restore(Duration.ofMinutes(5));
        resources.add(states);

        AuditPublisher audit = new AuditPublisher(producer, new AvroSerializer<>(registry, false, true),
                config.topics().audit(), config.identity(), time);
        DeadLetterPublisher deadLetters = new DeadLetterPublisher(producer, config.identity(),
                config.topics().deadLetterSuffix(), clock, metrics)
                .counting(config.ingress().lifecycle(), config.topics().reap(), config.topics().orgCommands());
        ClusterClients clusterClients = new ClusterClients(kv, config.vault().kubeconfigPrefix(),
                new ClusterClaims(new VaultSecrets(kv, retry), config.vault().clusterClaimsPrefix(),
                        config.identity().service()), config.kubernetesRequestTimeout());
        resources.add(clusterClients);
        // The handler asks the consumer how far the lifecycle partitions are done (the reap fence), the fleet asks
        // which command partitions it owns, and the consumer needs the handler: the holder breaks the cycle.
        KeyedParallelConsumer[] self = new KeyedParallelConsumer[1];
        String commandsTopic = config.topics().orgCommands();
        AvroSerializer<OrgCommand> commandSerializer = new AvroSerializer<>(registry, false, true);
        fleet = new ExternalDnsFleet(states, config.fleet().budget(), config.fleet().otherZones(),
                config.fleet().scanPeriod(),
                orgId -> ownsCommandPartition(self[0], commandsTopic, commandPartition(producer, commandsTopic, orgId)),
                partition -> ownsCommandPartition(self[0], commandsTopic, partition),
                command -> send(producer, commandsTopic, command.getOrgId(), commandSerializer.serialize(commandsTopic,
                        command)),
                rollId -> new AuditTrail(audit, rollId, null, null), clock);
        resources.add(fleet);
        ClusterProvisioner clusters = new ClusterProvisioner(clusterClients,
                new ExternalDnsDeployment(new ExternalDnsManifests(config.externalDns()), new KubernetesObjects(retry)), vault, zones,
                fleet::polling);

        var consumerConfig = kafka.consumerConfig(config.consumerGroup());
        // Lifecycle events and reap commands of an organization share a partition number (both keyed by orgId,
        // same partition count); the range assignor gives both partitions to the same instance.
        consumerConfig.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
        KafkaConsumer<byte[], byte[]> records = new KafkaConsumer<>(consumerConfig);
        resources.add(ServiceMetrics.bind(records, metrics));
        ProvisionerHandler handler = new ProvisionerHandler(config.topics(), states,
                new OrgProvisioner(naming, config.parentZoneId(), zones, managedPolicies, users, vault,
                        new AccountQuotas(route53, iam, clock, config.quotaRefresh(), metrics), retry, clock,
                        config.adoptUnownedZones()),
                clusters,
                new ReapExecutor(config.parentZoneId(), zones, managedPolicies, users, vault, states, clock),
                audit, tp -> self[0].completedUpTo(tp), config.eventRules(), clock);
        OrgRecordRouter router = new OrgRecordRouter(handler.routes(), registry, new Rejections(deadLetters, audit));
        consumer = new KeyedParallelConsumer(records, router.topics(), router, router::rejectUnexpected,
                KeyedParallelConsumer.Settings.of(config.workers(), config.shutdownGrace(),
                        config.retry()), metrics);
        self[0] = consumer;

        ops = new OpsServer(config.ops().httpPort(), metrics, List.of(HealthCheck.of("consumer", consumer::polling),
                HealthCheck.of("ingress", ingress::running), compatibility, time.health()),
                List.of(HealthCheck.of("group", consumer::processing)));
    }

    /** Starts the service; every time decision it makes reads {@code clock}. */
    public static ProvisionerService start(ProvisionerConfig config, ServiceClock clock) {
        ProvisionerService service = new ProvisionerService(config, clock);
        service.ingress.start("provisioner-ingress");
        service.consumer.start("provisioner-consumer");
        service.fleet.start();
        service.ops.start();
        return service;
    }

    /** The partition Kafka's default partitioner gives a record keyed by {@code orgId}. */
    private static int commandPartition(Producer<byte[], byte[]> producer, String topic, String orgId) {
        int partitions = producer.partitionsFor(topic).size();
        return OrgPartitions.of(orgId, partitions);
    }

    private static boolean ownsCommandPartition(KeyedParallelConsumer consumer, String topic, int partition) {
        return consumer != null && consumer.assignment().contains(new TopicPartition(topic, partition));
    }

    private static void send(Producer<byte[], byte[]> producer, String topic, String key, byte[] value) {
        Delivery.await(producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)),
                "a command for " + key + " to " + topic);
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    public int opsPort() {
        return ops.port();
    }

    @Override
    public void close() {
        consumer.close();
        ops.close();
        resources.close();
    }
}
