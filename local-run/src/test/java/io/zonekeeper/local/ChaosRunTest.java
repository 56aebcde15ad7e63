package io.zonekeeper.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.cert.vault.CertificateVault;
import io.zonekeeper.common.kafka.TopicNames;
import io.zonekeeper.common.serde.AvroDeserializer;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.testkit.FreePort;
import io.zonekeeper.testkit.aws.MotoServer;
import io.zonekeeper.testkit.faults.FaultProxy;
import io.zonekeeper.testkit.faults.FaultRates;
import io.zonekeeper.testkit.faults.Route53Enforcement;
import io.zonekeeper.testkit.kafka.KafkaCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * The black-box chaos run: the real provisioner and cert service, two instances of each as processes, against the
 * local run's dependencies on a Kafka cluster of three nodes (each service reaching them through Toxiproxy), under a
 * seeded load, while instances are killed with SIGKILL every ten seconds, a Kafka node about every twenty (the
 * quorum's controller every other time, never two at once), the provisioner's links to the brokers slowed by 200 ms for
 * 20 s and the cert service's black-holed for 30 s, AWS throttles 30 % of requests and fails 5 % with a 5xx, Vault
 * is unreachable for 30 s and one cluster's API server for 60 s. Then the faults stop, and the world must become
 * what the events alone imply ({@link ChaosOracle}), with no duplicate, no dead letter and no secret in any topic or
 * log.
 *
 * <p>The short form (the default, in the suite) is 30 organizations and 300 events; the long form is
 * {@code -Dchaos.orgs=200} (2,000 events) and {@code -Dchaos.loadSeconds=240}. Its figures are printed at the end
 * and go into BENCHMARKS.md.
 */
@Tag("chaos")
class ChaosRunTest {

    private static final int ORGS = Integer.getInteger("chaos.orgs", 30);
    private static final Duration LOAD = Duration.ofSeconds(Long.getLong("chaos.loadSeconds", 60));
    private static final long SEED = Long.getLong("chaos.seed", 20261203L);
    private static final Duration KILL_EVERY = Duration.ofSeconds(10);
    private static final Duration VAULT_OUTAGE = Duration.ofSeconds(30);
    private static final Duration API_SERVER_OUTAGE = Duration.ofSeconds(60);
    private static final String SERVICE_HEAP = System.getProperty("chaos.serviceHeap", ServiceProcess.DEFAULT_HEAP);
    private static final Duration CONVERGENCE_LIMIT = Duration.ofMinutes(Long.getLong("chaos.convergeMinutes", 10));
    /** The pause between a Kafka node's return and the next node's SIGKILL (the controller every other time). */
    private static final Duration BROKER_KILL_EVERY = Duration.ofSeconds(Long.getLong("chaos.brokerKillEverySeconds",
            10));
    /** One service's links to every broker carry nothing for this long: sessions expire, its partitions move. */
    private static final Duration BLACK_HOLE = Duration.ofSeconds(30);
    private static final Duration LATENCY = Duration.ofMillis(200);
    private static final String PROVISIONER = "provisioner";
    private static final String CERT = "cert";

    private final Random random = new Random(SEED);
    private final List<ServiceProcess> instances = new ArrayList<>();
    private final AtomicInteger kills = new AtomicInteger();
    private final AtomicInteger brokerKills = new AtomicInteger();
    private final AtomicInteger networkFaults = new AtomicInteger();

    @Test
    void theWorldBecomesWhatTheEventsSayUnderKillsThrottlingAndOutages() throws Exception {
        Path logDir = Files.createTempDirectory("zonekeeper-chaos");
        ChaosScenario scenario = new ChaosScenario(SEED, ORGS);
        try (Dependencies dependencies = Dependencies.startReplicated(progress -> { }, Set.of(PROVISIONER, CERT));
             FaultProxy aws = FaultProxy.start(dependencies.moto.endpoint(), SEED);
             var route53 = software.amazon.awssdk.services.route53.Route53Client.builder().region(Region.AWS_GLOBAL)
                     .endpointOverride(dependencies.moto.endpoint()).credentialsProvider(ADMIN).build();
             IamClient iam = IamClient.builder().region(Region.AWS_GLOBAL).endpointOverride(dependencies.moto.endpoint())
                     .credentialsProvider(ADMIN).build()) {
            // What moto does not check and Route53 does (a CallerReference used twice, a CREATE of a record that exists).
            aws.enforce(new Route53Enforcement(dependencies.moto.endpoint(), MotoServer.ACCESS_KEY_ID,
                    MotoServer.SECRET_ACCESS_KEY));
            scenario.clusterIds().forEach(dependencies::cluster);
            // One cluster is reached through a proxy that can take its API server away.
            String downCluster = scenario.clusterIds().get(0);
            try (FaultProxy apiServer = FaultProxy.start(dependencies.cluster(downCluster).endpoint(), SEED + 1)) {
                dependencies.vault.write(Dependencies.kubeconfigPath(downCluster),
                        Map.of("kubeconfig", dependencies.cluster(downCluster).kubeconfig(apiServer.endpoint())));
                startInstances(dependencies, aws, logDir);

                long started = System.nanoTime();
                aws.rates(new FaultRates(0.30, 0, 0.05, 0, Duration.ZERO));
                ScheduledExecutorService faults = Executors.newScheduledThreadPool(5);
                faults.scheduleAtFixedRate(this::killOne, KILL_EVERY.toMillis(), KILL_EVERY.toMillis(),
                        TimeUnit.MILLISECONDS);
                Dependencies.KafkaNetwork kafka = dependencies.network.orElseThrow();
                faults.scheduleWithFixedDelay(() -> killABroker(kafka.cluster()), BROKER_KILL_EVERY.toMillis(),
                        BROKER_KILL_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                outage(faults, LOAD.dividedBy(3), VAULT_OUTAGE, dependencies.vault.proxy());
                outage(faults, LOAD.dividedBy(4), API_SERVER_OUTAGE, apiServer);
                networkFault(faults, LOAD.dividedBy(5), Duration.ofSeconds(20),
                        () -> kafka.proxies().latency(PROVISIONER, LATENCY), () -> kafka.proxies().heal(PROVISIONER));
                networkFault(faults, LOAD.dividedBy(2), BLACK_HOLE,
                        () -> kafka.proxies().blackHole(CERT), () -> kafka.proxies().heal(CERT));
                ForwardedEvents forwarded = new ForwardedEvents();
                send(dependencies, scenario.events(), LOAD, forwarded);
                // The faults' own schedule ends too: the outages started within the load, and the kills stop now.
                Thread.sleep(Math.max(0, API_SERVER_OUTAGE.toMillis() - LOAD.dividedBy(4).multipliedBy(3).toMillis()));
                faults.shutdownNow();
                faults.awaitTermination(30, TimeUnit.SECONDS);
                Map<String, Long> injected = aws.faultCounts();
                aws.rates(FaultRates.NONE);
                dependencies.vault.proxy().refuseConnections(false);
                apiServer.refuseConnections(false);
                kafka.proxies().heal(PROVISIONER);
                kafka.proxies().heal(CERT);
                kafka.cluster().restart(kafka.cluster().nodeIds().stream().filter(id -> !kafka.cluster().alive(id))
                        .mapToInt(Integer::intValue).toArray());
                restartTheDead();
                long faultsEnded = System.nanoTime();

                ChaosOracle oracle = new ChaosOracle(scenario, dependencies, route53, iam);
                List<String> problems = oracle.problems(states(dependencies));
                int differencesWhenFaultsEnded = problems.size();
                while (!problems.isEmpty() && System.nanoTime() - faultsEnded < CONVERGENCE_LIMIT.toNanos()) {
                    Thread.sleep(5_000);
                    problems = oracle.problems(states(dependencies));
                }
                long converged = System.nanoTime();
                assertThat(problems).as("differences from the oracle after %s", CONVERGENCE_LIMIT).isEmpty();

                assertThat(forwarded.count()).as("events the upstream's broker acknowledged")
                        .isEqualTo(scenario.events().size());
                var deserializer = new AvroDeserializer<>(ClusterLifecycleEvent.class, SchemaRegistries.forTool(
                        dependencies.registry.endpoint().toString()));
                Function<ConsumerRecord<byte[], byte[]>, ClusterLifecycleEvent> events =
                        r -> deserializer.deserialize(r.topic(), r.value());
                List<String> ingress = forwarded.problems(read(dependencies, List.of(TopicNames.LIFECYCLE_BY_ORG)),
                        events, Dependencies.PARTITIONS);
                for (int wait = 0; !ingress.isEmpty() && wait < 30; wait++) {
                    Thread.sleep(2_000);
                    ingress = forwarded.problems(read(dependencies, List.of(TopicNames.LIFECYCLE_BY_ORG)), events,
                            Dependencies.PARTITIONS);
                }
                assertThat(ingress).as("the ingress: every acknowledged event forwarded once, in its partition and"
                        + " order").isEmpty();
                Map<String, List<String>> everyTopic = readEveryTopic(dependencies);
                List<String> deadLetters = TopicNames.INPUTS.stream().map(TopicNames::deadLetters)
                        .flatMap(topic -> everyTopic.getOrDefault(topic, List.of()).stream()).toList();
                assertThat(deadLetters).as("dead letters (no input of the run is bad)").isEmpty();
                List<String> secrets = secrets(dependencies, scenario);
                assertThat(secrets).hasSizeGreaterThan(ORGS * 3);
                for (String secret : secrets) {
                    everyTopic.forEach((topic, records) -> assertThat(records).as("records of %s", topic)
                            .noneMatch(r -> r.contains(secret)));
                }
                for (Path log : logs(logDir)) {
                    String text = Files.readString(log, StandardCharsets.ISO_8859_1);
                    assertThat(secrets).as("secrets in %s", log.getFileName()).noneMatch(text::contains);
                }

                System.out.printf("CHAOS FIGURES: %d organizations, %d events over %d s; %d SIGKILLs of services,"
                                + " %d of Kafka nodes; %d network faults; AWS faults %s;"
                                + " Vault down %d s, API server of %s down %d s; %d differences from the oracle when the"
                                + " faults ended; converged %.0f s after that"
                                + " (%.0f s after the first event); %d facts checked, %d acknowledged events each"
                                + " forwarded once in order, %d secrets looked for in %d topics"
                                + " and %d logs%n",
                        ORGS, scenario.events().size(), LOAD.toSeconds(), kills.get(), brokerKills.get(),
                        networkFaults.get(), injected, VAULT_OUTAGE.toSeconds(),
                        downCluster, API_SERVER_OUTAGE.toSeconds(), differencesWhenFaultsEnded,
                        (converged - faultsEnded) / 1e9,
                        (converged - started) / 1e9, oracle.checks(), forwarded.count(), secrets.size(),
                        everyTopic.size(),
                        logs(logDir).size());
            }
        } finally {
            instances.parallelStream().forEach(ServiceProcess::close);
        }
    }

    private static final StaticCredentialsProvider ADMIN = StaticCredentialsProvider.create(
            AwsBasicCredentials.create(MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY));

    /** Two instances of each, in one consumer group per service, as a deployment with two replicas runs them. */
    private void startInstances(Dependencies dependencies, FaultProxy aws, Path logDir) throws Exception {
        KafkaCluster cluster = dependencies.network.orElseThrow().cluster();
        Map<String, Map<String, String>> environments = LocalRun.serviceEnvironments(dependencies,
                Timeline.realTime(Instant.now()));
        for (int i = 1; i <= 2; i++) {
            Map<String, String> provisioner = new HashMap<>(environments.get("provisioner-service"));
            provisioner.put("AWS_ENDPOINT_URL", aws.endpoint().toString());
            Map<String, String> cert = new HashMap<>(environments.get("cert-service"));
            provisioner.put("KAFKA_BOOTSTRAP_SERVERS", cluster.bootstrapServers(PROVISIONER));
            cert.put("KAFKA_BOOTSTRAP_SERVERS", cluster.bootstrapServers(CERT));
            for (Map<String, String> env : List.of(provisioner, cert)) {
                // A killed member's partitions move after 6 s (the broker's minimum), not the default 45 s.
                env.put("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "6000");
                env.put("KAFKA_CLIENT_HEARTBEAT_INTERVAL_MS", "1000");
            }
            provisioner.put("SERVICE_INSTANCE", "provisioner-" + i);
            cert.put("SERVICE_INSTANCE", "cert-" + i);
            instances.add(ServiceProcess.start("provisioner-" + i, "io.zonekeeper.provisioner.Main", provisioner,
                    FreePort.pick(), logDir, SERVICE_HEAP));
            instances.add(ServiceProcess.start("cert-" + i, "io.zonekeeper.cert.Main", cert, FreePort.pick(), logDir,
                    SERVICE_HEAP));
        }
        for (ServiceProcess instance : instances) {
            instance.awaitHealthy(Duration.ofSeconds(120));
        }
    }

    /** SIGKILL of a random instance; it comes back after a random pause of one to five seconds. */
    private void killOne() {
        try {
            int index;
            ServiceProcess victim;
            synchronized (instances) {
                index = random.nextInt(instances.size());
                victim = instances.get(index);
            }
            if (!victim.alive()) {
                return;
            }
            victim.kill();
            kills.incrementAndGet();
            Thread.sleep(1_000 + random.nextInt(4_000));
            synchronized (instances) {
                instances.set(index, victim.restart());
            }
        } catch (IOException | InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * SIGKILL of one Kafka node, never two at once: the quorum's controller every other time, else a random other;
     * it comes back after a pause of three to six seconds.
     */
    private void killABroker(KafkaCluster cluster) {
        try (Admin admin = Admin.create(cluster.adminConfig())) {
            int controller = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
            List<Integer> others = cluster.nodeIds().stream().filter(id -> id != controller).toList();
            int victim = brokerKills.get() % 2 == 0 ? controller : others.get(random.nextInt(others.size()));
            cluster.kill(victim);
            brokerKills.incrementAndGet();
            Thread.sleep(3_000 + random.nextInt(3_000));
            cluster.restart(victim);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // The controller could not be asked (a node just died): the next round tries again.
        }
    }

    private void networkFault(ScheduledExecutorService faults, Duration after, Duration lasting, Runnable start,
                              Runnable end) {
        faults.schedule(() -> {
            start.run();
            networkFaults.incrementAndGet();
        }, after.toMillis(), TimeUnit.MILLISECONDS);
        faults.schedule(end, after.plus(lasting).toMillis(), TimeUnit.MILLISECONDS);
    }

    private void restartTheDead() throws IOException, InterruptedException {
        synchronized (instances) {
            for (int i = 0; i < instances.size(); i++) {
                if (!instances.get(i).alive()) {
                    instances.set(i, instances.get(i).restart());
                }
            }
        }
        for (ServiceProcess instance : instances) {
            instance.awaitHealthy(Duration.ofSeconds(120));
        }
    }

    private static void outage(ScheduledExecutorService faults, Duration after, Duration lasting, FaultProxy proxy) {
        faults.schedule(() -> proxy.refuseConnections(true), after.toMillis(), TimeUnit.MILLISECONDS);
        faults.schedule(() -> proxy.refuseConnections(false), after.plus(lasting).toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The events, keyed by organization, evenly over {@code over}; each acknowledged one is told to the ledger. */
    private static void send(Dependencies dependencies, List<ClusterLifecycleEvent> events, Duration over,
                             ForwardedEvents ledger) throws InterruptedException {
        SchemaRegistryClient registry = SchemaRegistries.forTool(dependencies.registry.endpoint().toString());
        var serializer = new AvroSerializer<ClusterLifecycleEvent>(registry, false, true);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, dependencies.kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        long pause = over.toMillis() / events.size();
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ClusterLifecycleEvent event : events) {
                producer.send(new ProducerRecord<>(TopicNames.LIFECYCLE, event.getOrgId().getBytes(StandardCharsets.UTF_8),
                        serializer.serialize(TopicNames.LIFECYCLE, event)), (metadata, e) -> {
                            if (e == null) {
                                ledger.acknowledged(event);
                            }
                        });
                Thread.sleep(pause);
            }
            producer.flush();
        }
    }

    private static Map<String, OrgDnsState> states(Dependencies dependencies) {
        var deserializer = new AvroDeserializer<>(OrgDnsState.class,
                SchemaRegistries.forTool(dependencies.registry.endpoint().toString()));
        Map<String, OrgDnsState> states = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : read(dependencies, List.of(TopicNames.ORG_DNS))) {
            String key = new String(record.key(), StandardCharsets.UTF_8);
            OrgDnsState state = record.value() == null ? null : deserializer.deserialize(record.topic(), record.value());
            if (state == null) {
                states.remove(key);
            } else {
                states.put(key, state);
            }
        }
        return states;
    }

    /** Every record of every topic, key, value and headers as text, by topic. */
    private static Map<String, List<String>> readEveryTopic(Dependencies dependencies) throws Exception {
        List<String> topics;
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers",
                dependencies.kafka.bootstrapServers()))) {
            topics = admin.listTopics().names().get().stream().filter(t -> !t.startsWith("__")).sorted().toList();
        }
        Map<String, List<String>> byTopic = new LinkedHashMap<>();
        topics.forEach(t -> byTopic.put(t, new ArrayList<>()));
        for (ConsumerRecord<byte[], byte[]> record : read(dependencies, topics)) {
            StringBuilder text = new StringBuilder();
            text.append(record.key() == null ? "" : new String(record.key(), StandardCharsets.ISO_8859_1)).append('\n');
            text.append(record.value() == null ? "" : new String(record.value(), StandardCharsets.ISO_8859_1));
            for (Header header : record.headers()) {
                text.append('\n').append(header.key()).append('=')
                        .append(header.value() == null ? "" : new String(header.value(), StandardCharsets.ISO_8859_1));
            }
            byTopic.get(record.topic()).add(text.toString());
        }
        return byTopic;
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(Dependencies dependencies, List<String> topics) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, dependencies.kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = topics.stream().flatMap(t -> consumer.partitionsFor(t).stream()
                    .map(p -> new TopicPartition(t, p.partition()))).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                consumer.poll(Duration.ofMillis(500)).forEach(all::add);
            }
        }
        return all;
    }

    /**
     * What must never leave Vault and the clusters: each organization's secret access key, each CA's and each live
     * certificate's private key (a line from the middle of the PEM: the armour is not secret), each kubeconfig's
     * token.
     */
    private static List<String> secrets(Dependencies dependencies, ChaosScenario scenario) {
        CertNaming naming = new CertNaming(Dependencies.BASE_DOMAIN, "zonekeeper/tls", ChaosOracle.TLS_SECRET);
        List<String> secrets = new ArrayList<>();
        Map<String, OrgDnsState> states = states(dependencies);
        for (ChaosScenario.Org org : scenario.orgs()) {
            dependencies.vault.read(states.get(org.orgId()).getCredentialsVaultPath())
                    .ifPresent(key -> secrets.add(String.valueOf(key.get("secretAccessKey"))));
            dependencies.vault.read(naming.authorityPath(org.orgId()))
                    .ifPresent(ca -> secrets.add(pemLine(String.valueOf(ca.get("privateKey")))));
            org.lastStatus().forEach((clusterId, last) -> {
                secrets.add("simulated-" + clusterId);
                if (last != ClusterStatus.DELETED) {
                    dependencies.vault.read(naming.certificatePath(org.orgId(), clusterId, CertNaming.SERVER))
                            .ifPresent(c -> secrets.add(pemLine(String.valueOf(c.get(CertificateVault.TLS_KEY)))));
                }
            });
        }
        return secrets;
    }

    private static String pemLine(String pem) {
        List<String> body = pem.lines().filter(l -> !l.startsWith("-----")).toList();
        return body.get(body.size() / 2);
    }

    private static List<Path> logs(Path logDir) throws IOException {
        try (Stream<Path> files = Files.list(logDir)) {
            return files.toList();
        }
    }
}
