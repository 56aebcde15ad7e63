package io.zonekeeper.provisioner;

import io.zonekeeper.common.config.VaultSettings;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.kafka.Ingress;
import io.zonekeeper.common.kafka.KafkaClients;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.RegistryAccess;
import io.zonekeeper.common.serde.RestSchemaRegistryClient;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.LifecyclePosition;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.ReapReason;
import io.zonekeeper.schemas.ZoneReapCommand;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.provisioner.model.OrgNaming;
import io.zonekeeper.provisioner.model.ZonePolicyDocument;
import io.zonekeeper.testkit.aws.MotoServer;
import io.zonekeeper.testkit.faults.FaultProxy;
import io.zonekeeper.testkit.faults.Route53Authorizer;
import io.zonekeeper.testkit.faults.Route53Enforcement;
import io.zonekeeper.testkit.kafka.IngressTopics;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.SharedKafka;
import io.zonekeeper.testkit.kubernetes.SimulatedCluster;
import io.zonekeeper.testkit.kubernetes.SimulatedClusters;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import io.zonekeeper.testkit.vault.OpenBaoMount;
import io.zonekeeper.testkit.ProjectDirectories;
import io.zonekeeper.testkit.kubernetes.KubeApiServer;
import io.zonekeeper.testkit.vault.OpenBaoServer;
import io.zonekeeper.testkit.vault.ServicePolicies;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.route53.Route53Client;

/**
 * Everything the provisioner talks to, real or standing in, for one test: its own topics on the shared broker,
 * a schema registry, the AWS emulator behind a fault proxy (which counts Route53 and IAM calls, and refuses what
 * Route53 refuses and the emulator does not check), a Vault,
 * simulated clusters with their kubeconfigs in Vault, and the service itself, configured only through the
 * environment map it would read in production.
 */
final class ProvisionerWorld implements AutoCloseable {

    static final String BASE_DOMAIN = "example.com";
    static final String CREDENTIALS_VAULT_PREFIX = "zonekeeper/orgs";
    /**
     * Real speed from a fixed instant two minutes before a month and a year end, so no test here depends on the
     * day it runs and the suite crosses a boundary as it goes.
     */
    static final ServiceClock CLOCK = ServiceClock.simulated(Instant.parse("2026-12-31T23:58:00Z"), 1, Instant.now());

    final KafkaBroker kafka = SharedKafka.get();
    final MotoServer moto = MotoServer.shared();
    final ApicurioRegistry registryServer = ApicurioRegistry.shared();
    final FaultProxy aws;
    /** IAM for Route53 calls signed with an organization's key (ExternalDNS's); Zonekeeper's own key passes. */
    final Route53Authorizer authorizer;
    /** What Route53 enforces and the emulator does not, the account's hosted-zone quota among it. */
    final Route53Enforcement route53Rules;
    final Route53Client route53;
    final IamClient iam;
    final String parentZoneId;
    final String suffix = UUID.randomUUID().toString().substring(0, 8);
    /** OpenBao, a KV mount of this world's own behind a counting proxy. */
    final OpenBaoMount vault = OpenBaoMount.create(OpenBaoServer.shared(), "kv-" + suffix);
    /** The service's token holds the shipped least-privilege policy only, so a policy too narrow fails the tests. */
    final String vaultToken = vault.serviceToken(ServicePolicies.PROVISIONER, Map.of(
            "CREDENTIALS_VAULT_PREFIX", CREDENTIALS_VAULT_PREFIX, "KUBECONFIG_VAULT_PREFIX", SimulatedClusters.KUBECONFIG_PREFIX,
            "CLUSTER_CLAIMS_VAULT_PREFIX", VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX));
    /** The upstream's lifecycle topic, its by-organization copy the provisioner reads, and the ingress group. */
    final IngressTopics ingress = IngressTopics.create(kafka, suffix, 3);
    final String lifecycleTopic = ingress.lifecycle();
    final String reapTopic = "zone.reap.v1-" + suffix;
    final String orgCommandsTopic = "org.commands.v1-" + suffix;
    final String orgDnsTopic = "org.dns.v1-" + suffix;
    final String auditTopic = "audit.v1-" + suffix;
    final SimulatedClusters simulated = new SimulatedClusters(vault);
    final Map<String, SimulatedCluster> clusters = simulated.all();
    final SchemaRegistryClient registry;
    final KafkaClients clients;
    private final Producer<byte[], byte[]> producer;
    private final List<ProvisionerService> services = new ArrayList<>();
    private final Map<String, String> extraEnv = new HashMap<>();
    private final List<KubeApiServer> realClusters = new ArrayList<>();
    /** The user kubernetes/zonekeeper-provisioner-rbac.yaml binds. */
    static final String REAL_CLUSTER_USER = "zonekeeper-provisioner";

    ProvisionerWorld() {
        moto.reset();
        aws = FaultProxy.start(moto.endpoint(), 1234);
        route53Rules = new Route53Enforcement(moto.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY);
        aws.enforce(route53Rules);
        authorizer = new Route53Authorizer(moto.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY);
        aws.authorize(authorizer);
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
        route53 = Route53Client.builder().region(Region.AWS_GLOBAL).endpointOverride(moto.endpoint())
                .credentialsProvider(credentials).build();
        iam = IamClient.builder().region(Region.AWS_GLOBAL).endpointOverride(moto.endpoint())
                .credentialsProvider(credentials).build();
        parentZoneId = route53.createHostedZone(r -> r.name(BASE_DOMAIN + ".").callerReference("parent-" + suffix))
                .hostedZone().id().replace("/hostedzone/", "");
        for (String topic : List.of(reapTopic, orgCommandsTopic)) {
            kafka.createTopic(topic, 3, false);
            kafka.createTopic(topic + ".dlq", 1, false);
        }
        kafka.createTopic(orgDnsTopic, 3, true);
        kafka.createTopic(auditTopic, 3, false);
        Retry retry = new Retry(new RetrySettings(3, Duration.ofMillis(10), Duration.ofMillis(50), 0.5),
                new SimpleMeterRegistry());
        registry = new RestSchemaRegistryClient(registryServer.endpoint(), retry, RegistryAccess.NONE);
        clients = new KafkaClients(new KafkaSettings(kafka.bootstrapServers(), registryServer.endpoint().toString(),
                Map.of()), new ServiceIdentity("test-driver", "local"));
        producer = clients.producer();
    }

    /** A simulated cluster whose kubeconfig the upstream provisioner stored in Vault. */
    SimulatedCluster cluster(String clusterId) {
        return simulated.get(clusterId);
    }

    static String kubeconfigPath(String clusterId) {
        return SimulatedClusters.kubeconfigPath(clusterId);
    }

    Map<String, String> env(String consumerGroup) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", registryServer.endpoint().toString());
        env.put("VAULT_ADDR", vault.endpoint().toString());
        env.put("VAULT_TOKEN", vaultToken);
        env.put("CREDENTIALS_VAULT_PREFIX", CREDENTIALS_VAULT_PREFIX);
        env.put("VAULT_KV_MOUNT", vault.mount());
        env.put("AWS_ENDPOINT_URL", aws.endpoint().toString());
        env.put("AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY_ID);
        env.put("AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_ACCESS_KEY);
        env.put("BASE_DOMAIN", BASE_DOMAIN);
        env.put("PARENT_ZONE_ID", parentZoneId);
        env.putAll(ingress.env());
        env.put("REAP_TOPIC", reapTopic);
        env.put("ORG_COMMANDS_TOPIC", orgCommandsTopic);
        env.put("ORG_DNS_TOPIC", orgDnsTopic);
        env.put("AUDIT_TOPIC", auditTopic);
        env.put("CONSUMER_GROUP", consumerGroup);
        env.put("HTTP_PORT", "0");
        env.put("RETRY_INITIAL_DELAY", "20ms");
        env.put("RETRY_MAX_DELAY", "200ms");
        env.put("SHUTDOWN_GRACE", "1s");
        env.put("IAM_PATH", "/zonekeeper-" + suffix + "/");
        env.putAll(extraEnv);
        return env;
    }

    /** A Route53 client as the services see it: through the fault proxy and what it enforces. */
    Route53Client route53ThroughProxy() {
        return Route53Client.builder().region(Region.AWS_GLOBAL).endpointOverride(aws.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY))).build();
    }

    void setEnv(String name, String value) {
        extraEnv.put(name, value);
    }

    ProvisionerService startService(String consumerGroup) {
        ProvisionerService service = ProvisionerService.start(ProvisionerConfig.read(new EnvReader(env(consumerGroup))),
                CLOCK);
        services.add(service);
        return service;
    }

    /** The services started and not stopped, oldest first. */
    List<ProvisionerService> services() {
        return List.copyOf(services);
    }

    void stop(ProvisionerService service) {
        service.close();
        services.remove(service);
    }

    static ClusterLifecycleEvent event(String orgId, String orgName, String clusterId, ClusterStatus status) {
        return ClusterLifecycleEvent.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(CLOCK.now().truncatedTo(ChronoUnit.MILLIS))
                .setOrgId(orgId)
                .setOrgName(orgName)
                .setClusterId(clusterId)
                .setClusterName("c" + Math.abs(clusterId.hashCode() % 1000))
                .setStatus(status)
                .setCloud("amazon")
                .setRegion("eu-west-1")
                .setKubeconfigVaultPath(kubeconfigPath(clusterId))
                .build();
    }

    RecordMetadata emit(ClusterLifecycleEvent event) {
        return sendRaw(lifecycleTopic, event.getOrgId(), new AvroSerializer<ClusterLifecycleEvent>(registry, false, true)
                .serialize(lifecycleTopic, event));
    }

    RecordMetadata sendRaw(String topic, String key, byte[] value) {
        try {
            return producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    value)).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** What {@code zk reconcile --org} publishes; returns the command id audit events name as their cause. */
    String reconcile(String orgId) {
        UUID commandId = UUID.randomUUID();
        sendRaw(orgCommandsTopic, orgId, new AvroSerializer<io.zonekeeper.schemas.OrgCommand>(registry, false, true)
                .serialize(orgCommandsTopic, io.zonekeeper.schemas.OrgCommand.newBuilder().setCommandId(commandId)
                        .setIssuedAt(CLOCK.now()).setIssuedBy("test").setOrgId(orgId)
                        .setAction(io.zonekeeper.schemas.OrgAction.RECONCILE).setReason("drift test").build()));
        return commandId.toString();
    }

    RecordMetadata reap(String orgId, String orgName, String zoneId, RecordMetadata decidedAt) {
        ZoneReapCommand command = ZoneReapCommand.newBuilder()
                .setCommandId(UUID.randomUUID())
                .setOrgId(orgId)
                .setOrgName(orgName)
                .setZoneId(zoneId)
                .setZoneCreatedAt(CLOCK.now())
                .setReason(ReapReason.FREE_WINDOW)
                .setDecidedAt(CLOCK.now())
                .setDueAt(CLOCK.now())
                .setLifecyclePosition(lifecyclePosition(decidedAt))
                .build();
        return sendRaw(reapTopic, orgId, new AvroSerializer<ZoneReapCommand>(registry, false, true).serialize(reapTopic,
                command));
    }

    /** Where the reaper would have seen the upstream's record: its position in the by-organization topic. */
    LifecyclePosition lifecyclePosition(RecordMetadata upstream) {
        if (services.isEmpty()) {
            forwardUpstream();
        }
        IngressTopics.Position forwarded = ingress.forwarded(kafka, upstream.partition(), upstream.offset());
        return new LifecyclePosition(forwarded.partition(), forwarded.offset());
    }

    /**
     * Forwards what the upstream wrote into the by-organization topic while no service runs (a test that sends a
     * reap command before the service starts needs the position the events will have), with the ingress a service
     * runs, in the same group: a service started later goes on from there.
     */
    void forwardUpstream() {
        try (Ingress forwarding = clients.ingress(ingress.group(), List.of(new Ingress.Route(lifecycleTopic,
                ingress.lifecycleByOrg())), Duration.ofMillis(100))) {
            forwarding.start("test-ingress");
            awaitCommitted(ingress.group(), List.of(lifecycleTopic));
        }
    }

    /** Writes a state record as the service would, for a world a test builds by hand (stop the service first). */
    void publishState(OrgDnsState state) {
        sendRaw(orgDnsTopic, state.getOrgId(), new AvroSerializer<OrgDnsState>(registry, false, true)
                .serialize(orgDnsTopic, state));
    }

    /**
     * Makes a ready organization look as a release before inline policies left it: its grant a customer-managed
     * policy at the organization's IAM path, attached to the user, and named in its state. Returns the policy's ARN.
     */
    String provisionedByAnOlderRelease(OrgDnsState ready) {
        String user = ready.getIamUserName();
        String path = iam.getUser(r -> r.userName(user)).user().path();
        iam.deleteUserPolicy(r -> r.userName(user).policyName(OrgNaming.ZONE_POLICY_NAME));
        String arn = iam.createPolicy(r -> r.path(path).policyName(user)
                .policyDocument(ZonePolicyDocument.forZone(ready.getZoneId()))).policy().arn();
        iam.attachUserPolicy(r -> r.userName(user).policyArn(arn));
        publishState(OrgDnsState.newBuilder(ready).setPolicyArn(arn).build());
        return arn;
    }

    /** The latest state per organization in org.dns.v1 (null value: tombstone). */
    Map<String, OrgDnsState> orgStates() {
        Map<String, OrgDnsState> latest = new HashMap<>();
        var deserializer = new AvroDeserializer<>(OrgDnsState.class, registry);
        for (ConsumerRecord<byte[], byte[]> record : readAll(orgDnsTopic)) {
            latest.put(new String(record.key(), StandardCharsets.UTF_8),
                    record.value() == null ? null : deserializer.deserialize(orgDnsTopic, record.value()));
        }
        return latest;
    }

    List<AuditEvent> audits() {
        var deserializer = new AvroDeserializer<>(AuditEvent.class, registry);
        return readAll(auditTopic).stream().map(r -> deserializer.deserialize(auditTopic, r.value())).toList();
    }

    List<ConsumerRecord<byte[], byte[]>> deadLetters() {
        return readAll(lifecycleTopic + ".dlq");
    }

    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return kafka.readAll(topic);
    }

    OrgDnsState awaitState(String orgId, Predicate<OrgDnsState> condition) {
        OrgDnsState[] found = new OrgDnsState[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            OrgDnsState state = orgStates().get(orgId);
            found[0] = state;
            return state != null && condition.test(state);
        });
        return found[0];
    }

    /**
     * Waits until the ingress has forwarded every upstream lifecycle event, then until the group has committed every
     * record of the by-organization lifecycle, reap and command topics: all applied, refused or dead-lettered.
     */
    void awaitQuiet(String group) {
        awaitCommitted(ingress.group(), List.of(lifecycleTopic));
        awaitCommitted(group, List.of(ingress.lifecycleByOrg(), reapTopic, orgCommandsTopic));
    }

    private void awaitCommitted(String group, List<String> topics) {
        try (var admin = clients.admin(); var consumer = clients.consumer("end-reader-" + UUID.randomUUID())) {
            List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(
                        new org.apache.kafka.common.TopicPartition(topic, p.partition())));
            }
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
                var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                return partitions.stream().allMatch(tp -> end.get(tp) == 0
                        || (committed.get(tp) != null && committed.get(tp).offset() >= end.get(tp)));
            });
        }
    }

    /** The access key id in the cluster's ExternalDNS credentials Secret. */
    String keyInCluster(String clusterId) {
        try (var admin = clusters.get(clusterId).adminClient()) {
            var secret = admin.secrets().inNamespace("external-dns")
                    .withName(io.zonekeeper.provisioner.model.ExternalDnsManifests.SECRET_NAME).get();
            String file = new String(java.util.Base64.getDecoder().decode(secret.getData().get("credentials")),
                    StandardCharsets.UTF_8);
            return file.lines().filter(l -> l.startsWith("aws_access_key_id")).map(l -> l.split("=")[1].trim())
                    .findFirst().orElseThrow();
        }
    }

    /** The zone id the cluster's ExternalDNS is limited to ({@code --zone-id-filter}). */
    String zoneFilterInCluster(String clusterId) {
        try (var admin = clusters.get(clusterId).adminClient()) {
            var deployment = admin.apps().deployments().inNamespace("external-dns").withName("external-dns").get();
            return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().stream()
                    .filter(a -> a.startsWith("--zone-id-filter=")).map(a -> a.substring("--zone-id-filter=".length()))
                    .findFirst().orElseThrow();
        }
    }

    /** The zone id the cluster's ExternalDNS is limited to, or null when the cluster has no ExternalDNS. */
    String zoneFilterInClusterIfAny(String clusterId) {
        try (var admin = clusters.get(clusterId).adminClient()) {
            var deployment = admin.apps().deployments().inNamespace("external-dns").withName("external-dns").get();
            return deployment == null ? null : zoneFilterInCluster(clusterId);
        }
    }

    /** Waits until ExternalDNS exists in the cluster and returns its Deployment. */
    io.fabric8.kubernetes.api.model.apps.Deployment awaitExternalDns(String clusterId) {
        try (var admin = clusters.get(clusterId).adminClient()) {
            var deployment = admin.apps().deployments().inNamespace("external-dns").withName("external-dns");
            await().atMost(Duration.ofSeconds(60)).until(() -> deployment.get() != null);
            return deployment.get();
        }
    }

    /** The documents of the user's inline policies, decoded, by policy name. */
    List<String> zonePolicies(String userName) {
        return iam.listUserPolicies(r -> r.userName(userName)).policyNames().stream()
                .map(name -> java.net.URLDecoder.decode(iam.getUserPolicy(r -> r.userName(userName).policyName(name))
                        .policyDocument(), java.nio.charset.StandardCharsets.UTF_8))
                .toList();
    }

    /** Route53 and IAM calls that change something, counted by the fault proxy since its last reset. */
    long mutatingAwsCalls() {
        return aws.requestCounts().entrySet().stream()
                .filter(e -> e.getKey().matches(".*:(Create|Change|Delete|Attach|Detach|Put|Update|Tag|Untag).*"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    /** IAM calls by operation, counted by the fault proxy since its last reset. */
    Map<String, Long> iamCalls() {
        return callsByOperation("iam:");
    }

    /** Route53 calls by operation, counted by the fault proxy since its last reset. */
    Map<String, Long> route53CallsByOperation() {
        return callsByOperation("route53:");
    }

    private Map<String, Long> callsByOperation(String service) {
        return aws.requestCounts().entrySet().stream().filter(e -> e.getKey().startsWith(service))
                .collect(java.util.stream.Collectors.toMap(e -> e.getKey().substring(service.length()),
                        Map.Entry::getValue));
    }

    long route53Calls() {
        return aws.requestCounts().entrySet().stream().filter(e -> e.getKey().startsWith("route53:"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    /**
     * A real kube-apiserver for {@code clusterId}, set up by its administrator with the shipped RBAC for the
     * provisioner's user, whose kubeconfig the upstream provisioner stored in Vault where the events say; stopped
     * with the world.
     */
    KubeApiServer realCluster(String clusterId) {
        KubeApiServer cluster = KubeApiServer.start(clusterId, List.of(REAL_CLUSTER_USER));
        realClusters.add(cluster);
        cluster.createAsAdmin(ProjectDirectories.root().resolve("kubernetes").resolve("zonekeeper-provisioner-rbac.yaml"));
        vault.write(kubeconfigPath(clusterId), Map.of("kubeconfig", cluster.kubeconfig(REAL_CLUSTER_USER)));
        return cluster;
    }

    @Override
    public void close() {
        new ArrayList<>(services).forEach(this::stop);
        realClusters.forEach(KubeApiServer::close);
        producer.close();
        simulated.close();
        route53.close();
        iam.close();
        aws.close();
        authorizer.close();
        vault.close();
    }
}
