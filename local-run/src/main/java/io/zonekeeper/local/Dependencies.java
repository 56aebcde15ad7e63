package io.zonekeeper.local;

import io.zonekeeper.common.config.Setting;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.common.kafka.KafkaAccess;
import io.zonekeeper.common.kafka.KafkaAccess.Role;
import io.zonekeeper.common.kafka.TopicLayout;
import io.zonekeeper.testkit.aws.MotoServer;
import io.zonekeeper.testkit.faults.Toxiproxy;
import io.zonekeeper.testkit.kafka.InProcessKafka;
import io.zonekeeper.testkit.kafka.KafkaBroker;
import io.zonekeeper.testkit.kafka.KafkaCluster;
import io.zonekeeper.testkit.kafka.KafkaProxies;
import io.zonekeeper.testkit.kafka.SecuredKafka;
import io.zonekeeper.testkit.kubernetes.SimulatedCluster;
import io.zonekeeper.testkit.kubernetes.SimulatedClusters;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import io.zonekeeper.testkit.vault.OpenBaoMount;
import io.zonekeeper.testkit.vault.OpenBaoServer;
import io.zonekeeper.world.ServiceEnvironment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.route53.Route53Client;

/**
 * Everything the services talk to, on this machine: a Kafka broker (KRaft) with the topics, the schema-registry
 * stand-in, the AWS emulator with the parent zone, OpenBao (a dev server of the run's own, its {@code secret}
 * mount), and simulated clusters whose kubeconfigs are in Vault where the upstream provisioner would put them.
 * Secured ({@link #startSecured}), the broker takes only SASL_SSL under the ACLs {@code zk acls} prints and the
 * registry only HTTPS with a user, and each process reaches them under its own principal ({@link SecuredAccess}).
 */
final class Dependencies implements AutoCloseable {

    static final String BASE_DOMAIN = "zonekeeper.test";
    static final int PARTITIONS = 3;
    /** How many progress lines {@link #start} prints. */
    static final int START_STEPS = 4;

    final KafkaBroker kafka;
    final ApicurioRegistry registry;
    final MotoServer moto;
    final OpenBaoServer openBao;
    final OpenBaoMount vault;
    final String parentZoneId;
    final Route53Client route53;
    final SimulatedClusters simulated;
    final Map<String, SimulatedCluster> clusters;
    /** Every principal's credentials, when the broker and the registry are secured. */
    final Optional<SecuredAccess> secured;
    /** The proxies between each routed client and the brokers, when Kafka is a cluster of three. */
    final Optional<KafkaNetwork> network;

    /** A cluster of three nodes and the Toxiproxy proxies in front of them, one per routed client and node. */
    record KafkaNetwork(KafkaCluster cluster, Toxiproxy toxiproxy, KafkaProxies proxies) implements AutoCloseable {

        @Override
        public void close() {
            toxiproxy.close();
        }
    }

    private Dependencies(KafkaBroker kafka, Optional<SecuredAccess> secured, Optional<KafkaNetwork> network,
                         ApicurioRegistry registry, MotoServer moto, OpenBaoServer openBao, Route53Client route53,
                         String parentZoneId) {
        this.kafka = kafka;
        this.secured = secured;
        this.network = network;
        this.registry = registry;
        this.moto = moto;
        this.openBao = openBao;
        this.vault = OpenBaoMount.create(openBao, "secret");
        this.route53 = route53;
        this.parentZoneId = parentZoneId;
        this.simulated = new SimulatedClusters(vault);
        this.clusters = simulated.all();
    }

    static Dependencies start(Consumer<String> progress) {
        progress.accept("starting Kafka (KRaft, in this JVM)");
        KafkaBroker kafka = InProcessKafka.start();
        progress.accept("starting the schema registry");
        return start(progress, kafka, Optional.empty(), Optional.empty(), ApicurioRegistry.start());
    }

    /**
     * The same on a Kafka cluster as production runs one: three nodes as processes, every topic replicated three
     * times, and each of {@code clients} reaching the nodes through Toxiproxy proxies of its own
     * ({@link KafkaCluster#bootstrapServers(String)}), so a test can kill nodes and fault one client's network.
     */
    static Dependencies startReplicated(Consumer<String> progress, Set<String> clients) {
        progress.accept("starting Kafka (three KRaft nodes as processes) and Toxiproxy in front of them");
        KafkaCluster cluster = KafkaCluster.start(clients);
        Toxiproxy toxiproxy = Toxiproxy.start();
        KafkaNetwork network = new KafkaNetwork(cluster, toxiproxy, KafkaProxies.open(cluster, toxiproxy));
        progress.accept("starting the schema registry");
        return start(progress, cluster, Optional.empty(), Optional.of(network), ApicurioRegistry.start());
    }

    /** The same, with the broker and the registry secured and every role's ACLs granted. */
    static Dependencies startSecured(Consumer<String> progress) {
        progress.accept("starting Kafka (KRaft, SASL_SSL, ACLs)");
        SecuredKafka kafka = SecuredKafka.start();
        SecuredAccess access = SecuredAccess.create(kafka);
        access.grantAll();
        progress.accept("starting the schema registry (HTTPS, basic authentication)");
        return start(progress, kafka, Optional.of(access), Optional.empty(),
                ApicurioRegistry.startSecured(access.registrySecurity()));
    }

    private static Dependencies start(Consumer<String> progress, KafkaBroker kafka, Optional<SecuredAccess> secured,
                                      Optional<KafkaNetwork> network, ApicurioRegistry registry) {
        for (TopicLayout.Topic topic : TopicLayout.of(KafkaAccess.Names.defaults(), PARTITIONS).topics()) {
            kafka.createTopic(topic.name(), topic.partitions(), topic.configs());
        }
        progress.accept("starting the AWS emulator (installed into .venv on first use)");
        MotoServer moto = MotoServer.start();
        Route53Client route53 = Route53Client.builder().region(Region.AWS_GLOBAL).endpointOverride(moto.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY))).build();
        String parentZoneId = route53.createHostedZone(r -> r.name(BASE_DOMAIN + ".").callerReference("local-parent"))
                .hostedZone().id().replace("/hostedzone/", "");
        progress.accept("starting OpenBao (installed into .venv on first use)");
        OpenBaoServer openBao = OpenBaoServer.start();
        return new Dependencies(kafka, secured, network, registry, moto, openBao, route53, parentZoneId);
    }

    /**
     * A zone that existed before Zonekeeper managed the organization (migrated from an older system): the
     * provisioner adopts it, and with no record of its creation the reaper treats it as already paid for.
     */
    String preexistingZone(String zoneName) {
        return route53.createHostedZone(r -> r.name(zoneName).callerReference("migrated-" + zoneName))
                .hostedZone().id().replace("/hostedzone/", "");
    }

    /** A simulated cluster, its kubeconfig in Vault at {@link #kubeconfigPath}. */
    SimulatedCluster cluster(String clusterId) {
        return simulated.get(clusterId);
    }

    static String kubeconfigPath(String clusterId) {
        return SimulatedClusters.kubeconfigPath(clusterId);
    }

    /**
     * Where a user's own client, {@code zk} or a dashboard reaches the dependencies, as shell exports: Kafka, the
     * registry, Vault (the dev server's root token: this Vault holds nothing but the local run's), the AWS emulator.
     */
    Map<String, String> clientEnv() {
        return kafkaEnv(Role.OPERATOR).vault(vault.endpoint(), vault.mount(), openBao.token())
                .aws(moto.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY).toMap();
    }

    /** How a process of {@code role} reaches Kafka and the registry: their addresses, and its credentials if secured. */
    ServiceEnvironment kafkaEnv(Role role) {
        ServiceEnvironment env = new ServiceEnvironment().kafka(kafka.bootstrapServers(), registry.endpoint());
        secured.ifPresent(access -> env.setAll(access.env(role)));
        return env;
    }

    /**
     * What a service of {@code role} that uses Vault reads: Kafka, and Vault with a token under the service's shipped
     * least-privilege policy (as production should run it, so the local run shows that the policies suffice), and
     * the folder {@code prefix} of its secrets that the policy is written for.
     */
    ServiceEnvironment serviceEnv(Role role, String policy, Setting<String> prefix, String folder) {
        String token = vault.serviceToken(policy, Map.of(prefix.name(), folder,
                VaultSettings.KUBECONFIG_PREFIX.name(), SimulatedClusters.KUBECONFIG_PREFIX,
                VaultSettings.CLUSTER_CLAIMS_PREFIX.name(), VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX));
        return kafkaEnv(role).vault(vault.endpoint(), vault.mount(), token).set(prefix, folder);
    }

    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>(List.of(simulated));
        all.add(route53);
        all.add(vault);
        all.add(openBao);
        all.add(registry);
        all.add(moto);
        all.add(kafka);
        secured.ifPresent(all::add);
        network.ifPresent(all::add);
        for (AutoCloseable closeable : all) {
            try {
                closeable.close();
            } catch (Exception e) {
                // stopping anyway
            }
        }
    }
}
