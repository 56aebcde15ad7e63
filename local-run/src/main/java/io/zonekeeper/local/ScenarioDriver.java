package io.zonekeeper.local;

import io.zonekeeper.common.kafka.TopicNames;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.serde.SchemaRegistries;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.CertificateRequest;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Plays the upstream provisioner on the services' clock, across a month boundary. Organizations create and run
 * clusters; test clusters stop and go away. Then, by role:
 * <ul>
 *   <li>the last organization leaves within an hour or two: its zone is young, so the reaper deletes it at once,
 *       for free (the 12-hour rule);</li>
 *   <li>the one before it was migrated from an older system, its zone already in Route53 (so counted as paid
 *       for): it leaves late in the month and its zone goes in the month-end window;</li>
 *   <li>the one before that leaves at the same time but a cluster comes back before the window: its zone is
 *       kept across the boundary;</li>
 *   <li>the first organization stays; a cluster asks for a database certificate and another for a name outside
 *       its zone, and a few malformed events arrive.</li>
 * </ul>
 * Certificates renew on their own schedule during the run. Early steps come in the first hours, the leaving and
 * returning ones just before {@link Timeline#LEAD} (the month boundary on the default start, so the month-end
 * reap happens during the run; from another start it is scheduled for its month's end). On the real clock the
 * whole timeline is compressed.
 */
final class ScenarioDriver implements Runnable {

    private static final String[] NAMES = {"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne",
            "tyrell", "cyberdyne", "soylent", "aperture", "massive"};
    /**
     * When the late-month organizations leave and one comes back, before the timeline's {@link Timeline#LEAD}
     * (the month boundary, on the default start): the return comes well before the month-end window opens.
     */
    static final Duration LEAVE_BEFORE_LEAD = Duration.ofMinutes(140);
    static final Duration RETURN_BEFORE_LEAD = Duration.ofMinutes(110);
    /** How long the timeline runs past its lead. */
    static final Duration AFTER_LEAD = Duration.ofHours(1);

    /** One thing the upstream does, at an instant of the scenario's timeline. */
    private record Step(Instant at, String description, Runnable action) {
    }

    private final int organizations;
    private final int clustersPerOrg;
    private final ServiceClock clock;
    private final Timeline timeline;
    private final Producer<byte[], byte[]> producer;
    private final SchemaRegistryClient registry;
    private final List<Step> steps = new ArrayList<>();
    private final Random random;
    private volatile int done;

    ScenarioDriver(Dependencies dependencies, int organizations, int clustersPerOrg, Timeline timeline, long seed) {
        this.organizations = organizations;
        this.clustersPerOrg = clustersPerOrg;
        this.clock = timeline.clock();
        this.timeline = timeline;
        this.random = new Random(seed);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, dependencies.kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.registry = SchemaRegistries.forTool(dependencies.registry.endpoint().toString());
        plan();
    }

    static String orgName(int org) {
        String base = NAMES[org % NAMES.length];
        return org < NAMES.length ? base : base + (org / NAMES.length);
    }

    static String orgId(int org) {
        return "org-" + org;
    }

    static String clusterId(int org, int cluster) {
        return orgName(org) + "-c" + cluster;
    }

    /** The organization that leaves early (free-window reap), or -1 when there are too few organizations. */
    int youngLeavingOrg() {
        return organizations >= 2 ? organizations - 1 : -1;
    }

    /** The organization whose zone existed before the scenario and that leaves late (month-end reap), or -1. */
    int migratedOrg() {
        return organizations >= 3 ? organizations - 2 : -1;
    }

    /** The organization that leaves late and comes back before the month-end window (zone kept), or -1. */
    int returningOrg() {
        return organizations >= 4 ? organizations - 3 : -1;
    }

    int steps() {
        return steps.size();
    }

    int done() {
        return done;
    }

    /** The instant of the timeline's last step: the scenario is over once the clock passes it. */
    Instant end() {
        return steps.get(steps.size() - 1).at();
    }

    /** What exists before the scenario: its simulated clusters, and the migrated organization's zone. */
    void prepare(Dependencies dependencies) {
        clusterIds().forEach(dependencies::cluster);
        if (migratedOrg() >= 0) {
            dependencies.preexistingZone(orgName(migratedOrg()) + "." + Dependencies.BASE_DOMAIN + ".");
        }
    }

    /** Every cluster of the scenario, for the simulated clusters to exist before events name them. */
    List<String> clusterIds() {
        List<String> ids = new ArrayList<>();
        for (int o = 0; o < organizations; o++) {
            for (int c = 0; c < clustersPerOrg; c++) {
                ids.add(clusterId(o, c));
            }
        }
        return ids;
    }

    private void plan() {
        Duration minute = Duration.ofMinutes(1);
        long tick = 0;
        for (int o = 0; o < organizations; o++) {
            int org = o;
            boolean leavesEarly = org == youngLeavingOrg();
            boolean leavesLate = org == migratedOrg() || org == returningOrg();
            for (int c = 0; c < clustersPerOrg; c++) {
                long first = tick + random.nextInt(3);
                add(early(minute.multipliedBy(first)), org, c, ClusterStatus.PROVISIONING);
                add(early(minute.multipliedBy(first + 2)), org, c, ClusterStatus.RUNNING);
                if (leavesEarly || (!leavesLate && c > 0 && random.nextBoolean())) {
                    // Test clusters (and every cluster of the organization leaving early) stop, then go away.
                    add(early(Duration.ofMinutes(60 + random.nextInt(30))), org, c, ClusterStatus.STOPPED);
                    add(early(Duration.ofMinutes(95 + random.nextInt(15))), org, c, ClusterStatus.DELETED);
                } else if (leavesLate) {
                    add(late(LEAVE_BEFORE_LEAD.minusMinutes(c)), org, c, ClusterStatus.STOPPED);
                }
            }
            if (org == returningOrg()) {
                add(late(RETURN_BEFORE_LEAD), org, 0, ClusterStatus.RUNNING);
            }
            tick += 3;
        }
        if (organizations > 0) {
            steps.add(new Step(early(Duration.ofHours(2)), orgName(0) + " asks for a database certificate",
                    () -> request(0, "mysql", "mysql." + clusterId(0, 0) + "." + orgName(0) + "." + Dependencies.BASE_DOMAIN)));
            steps.add(new Step(early(Duration.ofMinutes(125)), orgName(0) + " asks for another tenant's name",
                    () -> request(0, "steal", "api.other-tenant." + Dependencies.BASE_DOMAIN)));
            steps.add(new Step(early(Duration.ofMinutes(130)), "an undecodable record", () -> sendRaw(
                    TopicNames.LIFECYCLE, orgId(0), "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8))));
            steps.add(new Step(early(Duration.ofMinutes(135)), "an organization name with a dot", () -> send(
                    TopicNames.LIFECYCLE, orgId(0), event(orgId(0), orgName(0) + ".evil", clusterId(0, 0),
                            ClusterStatus.RUNNING))));
        }
        steps.add(new Step(late(AFTER_LEAD.negated()), "an hour past the lead", () -> { }));
        steps.sort(Comparator.comparing(Step::at));
    }

    /** An instant {@code offset} into the timeline. */
    private Instant early(Duration offset) {
        return timeline.at(offset);
    }

    /** An instant {@code before} the timeline's lead (a negative one: after it). */
    private Instant late(Duration before) {
        return timeline.at(Timeline.LEAD.minus(before));
    }

    private void add(Instant at, int org, int cluster, ClusterStatus status) {
        steps.add(new Step(at, clusterId(org, cluster) + " " + status, () -> send(
                TopicNames.LIFECYCLE, orgId(org), event(orgId(org), orgName(org), clusterId(org, cluster), status))));
    }

    @Override
    public void run() {
        try {
            for (Step step : steps) {
                Duration wait = Duration.between(clock.now(), step.at());
                if (!wait.isNegative() && !wait.isZero()) {
                    Thread.sleep(clock.realTime(wait).toMillis());
                }
                step.action().run();
                done++;
            }
            producer.flush();
        } catch (InterruptedException | InterruptException e) {
            // The run is stopping: the rest of the scenario is not played.
            Thread.currentThread().interrupt();
        } finally {
            // Closing with the interrupt flag set throws from the producer's join; the stop printed a stack trace.
            boolean interrupted = Thread.interrupted();
            producer.close(Duration.ofSeconds(5));
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private ClusterLifecycleEvent event(String orgId, String orgName, String clusterId, ClusterStatus status) {
        return event(orgId, orgName, clusterId, status, clock.now());
    }

    /** A lifecycle event as the upstream provisioner sends it, its kubeconfig where the simulated clusters put it. */
    static ClusterLifecycleEvent event(String orgId, String orgName, String clusterId, ClusterStatus status,
                                       Instant occurredAt) {
        return ClusterLifecycleEvent.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(occurredAt)
                .setOrgId(orgId)
                .setOrgName(orgName)
                .setClusterId(clusterId)
                .setClusterName(clusterId.substring(clusterId.lastIndexOf('-') + 1))
                .setStatus(status)
                .setCloud("amazon")
                .setRegion("eu-west-1")
                .setKubeconfigVaultPath(Dependencies.kubeconfigPath(clusterId))
                .build();
    }

    private void request(int org, String name, String dnsName) {
        send(TopicNames.CERT_REQUESTS, orgId(org), CertificateRequest.newBuilder()
                .setRequestId(UUID.randomUUID())
                .setRequestedAt(clock.now())
                .setRequestedBy("scenario-driver")
                .setOrgId(orgId(org))
                .setClusterId(clusterId(org, 0))
                .setCertificateName(name)
                .setDnsNames(List.of(dnsName))
                .build());
    }

    private void send(String topic, String key, SpecificRecord value) {
        sendRaw(topic, key, new AvroSerializer<>(registry, false, true).serialize(topic, value));
    }

    private void sendRaw(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
    }
}
