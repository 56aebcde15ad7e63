package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.provisioner.model.OrgNaming;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgCluster;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.aws.IdentityPolicies;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tag;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.kafka.clients.producer.RecordMetadata;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.HostedZone;

/**
 * Randomised interleavings of what a fleet does to organizations — clusters that run, stop and go, cluster ids and
 * kubeconfigs reused across organizations, renames,
 * organizations sharing a name, reaps decided by the rules the reaper uses and arriving whenever they arrive, keys
 * lost from Vault, reconciles, crashes of the service — against the real broker, the AWS emulator behind
 * Route53's and IAM's rules, Vault and the clusters, with the provisioner spreading organizations over a pool of two
 * AWS accounts. After every sequence, the invariants that make it multi-tenant:
 * no policy reaches another organization's zone, no zone in use is reaped, no zone is orphaned or duplicated (in
 * any account), no key or user is left over, everything of an organization is in the account its state names and
 * its key acts there only, every running cluster holds the current key and zone, and every cluster's ExternalDNS
 * and roster entry belong to the organization holding the cluster's claim.
 *
 * <p>Each try uses organizations of its own on one shared service, so tries cost seconds. Shrinking is off: one
 * try is a whole world, and the failing sequence with its seed is what a reader needs. The CI form runs a fixed
 * seed; the long form ({@code -Dgroups=soak -Dsurefire.excludedGroups= -Dtest=TenantSafetyPropertiesTest}) a random one.
 */
class TenantSafetyPropertiesTest {

    private static final int ORGS = 3;
    /** The provisioner's pool: organizations are spread over both, and a name shared by two may meet across them. */
    private static final List<String> ACCOUNTS = List.of("210987654321", "310987654321");
    private static final int CLUSTERS_PER_ORG = 2;

    private static ProvisionerWorld world;
    private static ProvisionerService service;
    private static String group;
    private static final AtomicInteger TRIES = new AtomicInteger();

    sealed interface Step permits Run, Stop, Delete, Rename, Reap, LoseKey, Reconcile, Crash, RunAs, Borrow,
            DeleteAs {
    }

    record Run(int org, int cluster) implements Step {
    }

    record Stop(int org, int cluster) implements Step {
    }

    record Delete(int org, int cluster) implements Step {
    }

    /** The organization's events carry name number {@code name} of the try's three from now on. */
    record Rename(int org, int name) implements Step {
    }

    /** What the reaper would command if the organization has no running cluster now. */
    record Reap(int org) implements Step {
    }

    /** The stored key no longer matches IAM (a restored backup): the next full ensure replaces it. */
    record LoseKey(int org) implements Step {
    }

    record Reconcile(int org) implements Step {
    }

    /** The service stops and a new instance of the group takes over. */
    record Crash() implements Step {
    }

    /** A reused id: the organization runs a cluster with another organization's cluster id (and its kubeconfig). */
    record RunAs(int org, int owner, int cluster) implements Step {
    }

    /** The organization runs its own cluster id with another organization's cluster's kubeconfig path. */
    record Borrow(int org, int cluster, int owner, int ownersCluster) implements Step {
    }

    /** The organization deletes another organization's cluster. */
    record DeleteAs(int org, int owner, int cluster) implements Step {
    }

    @BeforeContainer
    static void startWorld() {
        world = new ProvisionerWorld();
        world.usePool(ACCOUNTS.toArray(String[]::new));
        group = "provisioner-" + world.suffix;
        service = world.startService(group);
    }

    @AfterContainer
    static void closeWorld() {
        world.close();
    }

    @Property(tries = 8, seed = "20261202", shrinking = ShrinkingMode.OFF)
    void theInvariantsHoldAfterAnyInterleaving(@ForAll("sequences") List<Step> steps) {
        new Try(TRIES.incrementAndGet()).run(steps);
    }

    @Property(tries = 60, shrinking = ShrinkingMode.OFF)
    @Tag("soak")
    void theInvariantsHoldAfterAnyInterleavingLongForm(@ForAll("sequences") List<Step> steps) {
        new Try(TRIES.incrementAndGet()).run(steps);
    }

    @Provide
    Arbitrary<List<Step>> sequences() {
        Arbitrary<Integer> org = Arbitraries.integers().between(0, ORGS - 1);
        Arbitrary<Integer> cluster = Arbitraries.integers().between(0, CLUSTERS_PER_ORG - 1);
        Arbitrary<Integer> name = Arbitraries.integers().between(0, 2);
        return Arbitraries.<Step>frequencyOf(
                Tuple.of(12, step(Combinators.combine(org, cluster).as(Run::new))),
                Tuple.of(5, step(Combinators.combine(org, cluster).as(Stop::new))),
                Tuple.of(2, step(Combinators.combine(org, cluster).as(Delete::new))),
                Tuple.of(1, step(Combinators.combine(org, name).as(Rename::new))),
                Tuple.of(4, step(org.map(Reap::new))),
                Tuple.of(3, step(org.map(LoseKey::new))),
                Tuple.of(3, step(org.map(Reconcile::new))),
                Tuple.of(1, step(Arbitraries.just(new Crash()))),
                Tuple.of(2, step(Combinators.combine(org, org, cluster).as(RunAs::new))),
                Tuple.of(2, step(Combinators.combine(org, cluster, org, cluster).as(Borrow::new))),
                Tuple.of(1, step(Combinators.combine(org, org, cluster).as(DeleteAs::new)))
        ).list().ofMinSize(15).ofMaxSize(35);
    }

    private static String reason(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record) {
        var header = record.headers().lastHeader(io.zonekeeper.common.dlq.DeadLetterPublisher.REASON);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static Arbitrary<Step> step(Arbitrary<? extends Step> steps) {
        return steps.map(Step.class::cast);
    }

    /** One sequence on organizations of its own: the model of what was emitted, then the checks. */
    private static final class Try {

        private final String prefix;
        private final List<String> names;
        private final String[] nameOf = new String[ORGS];
        private final List<Set<String>> running = new ArrayList<>();
        private final RecordMetadata[] lastEvent = new RecordMetadata[ORGS];
        private final OrgNaming naming = new OrgNaming(ProvisionerWorld.BASE_DOMAIN,
                "/zonekeeper-" + world.suffix + "/", "zonekeeper/orgs");

        Try(int number) {
            prefix = "t" + number;
            names = List.of(prefix + "-alpha", prefix + "-beta", prefix + "-gamma");
            // Organizations 0 and 1 share a name from the start.
            nameOf[0] = names.get(0);
            nameOf[1] = names.get(0);
            nameOf[2] = names.get(1);
            for (int org = 0; org < ORGS; org++) {
                running.add(new HashSet<>());
                for (int cluster = 0; cluster < CLUSTERS_PER_ORG; cluster++) {
                    world.cluster(clusterId(org, cluster));
                }
            }
        }

        void run(List<Step> steps) {
            for (Step step : steps) {
                apply(step);
            }
            world.awaitQuiet(group);
            check(steps);
        }

        private String orgId(int org) {
            return prefix + "-org-" + org;
        }

        private String clusterId(int org, int cluster) {
            return prefix + "-o" + org + "-c" + cluster;
        }

        private void apply(Step step) {
            if (step instanceof Run r) {
                emit(r.org(), r.cluster(), ClusterStatus.RUNNING);
                running.get(r.org()).add(clusterId(r.org(), r.cluster()));
            } else if (step instanceof Stop s) {
                emit(s.org(), s.cluster(), ClusterStatus.STOPPED);
                running.get(s.org()).remove(clusterId(s.org(), s.cluster()));
            } else if (step instanceof Delete d) {
                emit(d.org(), d.cluster(), ClusterStatus.DELETED);
                running.get(d.org()).remove(clusterId(d.org(), d.cluster()));
            } else if (step instanceof Rename r) {
                nameOf[r.org()] = names.get(r.name());
            } else if (step instanceof Reap r) {
                // The reaper decides on what it has consumed, as the provisioner has by now; the events that follow
                // the command still race it.
                world.awaitQuiet(group);
                OrgDnsState state = world.orgStates().get(orgId(r.org()));
                if (running.get(r.org()).isEmpty() && lastEvent[r.org()] != null && state != null
                        && state.getZoneId() != null && state.getStatus() == OrgDnsStatus.READY) {
                    world.reap(orgId(r.org()), nameOf[r.org()], state.getZoneId(), lastEvent[r.org()]);
                }
            } else if (step instanceof LoseKey k) {
                world.awaitQuiet(group);
                OrgDnsState state = world.orgStates().get(orgId(k.org()));
                if (state != null && state.getCredentialsVaultPath() != null) {
                    world.vault.write(state.getCredentialsVaultPath(), Map.of("accessKeyId",
                            "AKIALOSTKEY" + prefix.toUpperCase(), "secretAccessKey", "not-a-real-secret"));
                }
            } else if (step instanceof Reconcile r) {
                world.reconcile(orgId(r.org()));
            } else if (step instanceof RunAs r) {
                // The reaper counts what the events say, refused or not: the model does too, so reaps stay honest.
                lastEvent[r.org()] = world.emit(event(r.org(), clusterId(r.owner(), r.cluster()),
                        clusterId(r.owner(), r.cluster()), ClusterStatus.RUNNING));
                running.get(r.org()).add(clusterId(r.owner(), r.cluster()));
            } else if (step instanceof Borrow b) {
                lastEvent[b.org()] = world.emit(event(b.org(), clusterId(b.org(), b.cluster()),
                        clusterId(b.owner(), b.ownersCluster()), ClusterStatus.RUNNING));
                running.get(b.org()).add(clusterId(b.org(), b.cluster()));
            } else if (step instanceof DeleteAs d) {
                lastEvent[d.org()] = world.emit(event(d.org(), clusterId(d.owner(), d.cluster()),
                        clusterId(d.owner(), d.cluster()), ClusterStatus.DELETED));
                running.get(d.org()).remove(clusterId(d.owner(), d.cluster()));
            } else if (step instanceof Crash) {
                world.stop(service);
                service = world.startService(group);
            }
        }

        private void emit(int org, int cluster, ClusterStatus status) {
            lastEvent[org] = world.emit(ProvisionerWorld.event(orgId(org), nameOf[org], clusterId(org, cluster), status));
        }

        /** The organization's event for {@code clusterId}, reaching it through {@code kubeconfigOf}'s kubeconfig. */
        private ClusterLifecycleEvent event(int org, String clusterId, String kubeconfigOf, ClusterStatus status) {
            return ClusterLifecycleEvent.newBuilder(ProvisionerWorld.event(orgId(org), nameOf[org], clusterId, status))
                    .setKubeconfigVaultPath(ProvisionerWorld.kubeconfigPath(kubeconfigOf)).build();
        }

        /**
         * Every cluster is its claim holder's alone: its ExternalDNS, if any, serves a zone of the organization holding
         * the claim of the API server it runs on, and every organization's roster lists only clusters it holds.
         */
        private void checkClusterOwners(Map<String, OrgDnsState> states, String sequence) {
            Map<String, String> zoneOwners = new HashMap<>();
            var deserializer = new io.zonekeeper.common.serde.AvroDeserializer<>(OrgDnsState.class, world.registry);
            for (var record : world.readAll(world.orgDnsTopic)) {
                if (record.value() != null) {
                    OrgDnsState state = deserializer.deserialize(world.orgDnsTopic, record.value());
                    if (state.getZoneId() != null) {
                        zoneOwners.put(state.getZoneId(), state.getOrgId());
                    }
                }
            }
            for (int org = 0; org < ORGS; org++) {
                for (int cluster = 0; cluster < CLUSTERS_PER_ORG; cluster++) {
                    String id = clusterId(org, cluster);
                    String zone = world.zoneFilterInClusterIfAny(id);
                    if (zone == null) {
                        continue;
                    }
                    String holder = claimHolder("kubeconfigs/" + ProvisionerWorld.kubeconfigPath(id));
                    assertThat(holder).as("ExternalDNS in %s runs with a claim: %s", id, sequence).isNotNull();
                    assertThat(zoneOwners.get(zone)).as("the zone ExternalDNS in %s serves is its holder's: %s", id,
                            sequence).isEqualTo(holder);
                }
            }
            for (OrgDnsState state : states.values()) {
                if (state == null) {
                    continue;
                }
                for (OrgCluster cluster : state.getClusters()) {
                    assertThat(claimHolder("clusters/" + cluster.getClusterId())).as("%s lists %s: %s",
                            state.getOrgId(), cluster.getClusterId(), sequence).isIn(state.getOrgId(), null);
                }
            }
        }

        /**
         * The organization's running clusters that are its own: a RUNNING for a cluster another organization had
         * claimed was refused and uses no zone (the reaper still counts it, as the model's reap decisions do). Which
         * of two organizations claimed a cluster first depends on how their partitions interleave, so Vault's claims
         * say it, not the order the steps were emitted in; ClusterOwnershipTest pins the refusals themselves.
         */
        private Set<String> inUse(int org) {
            Set<String> own = new HashSet<>();
            for (String clusterId : running.get(org)) {
                if (orgId(org).equals(claimHolder("clusters/" + clusterId))) {
                    own.add(clusterId);
                }
            }
            return own;
        }

        private String claimHolder(String path) {
            return world.vault.read(io.zonekeeper.common.config.VaultSettings.DEFAULT_CLUSTER_CLAIMS_PREFIX + "/" + path)
                    .map(data -> String.valueOf(data.get("orgId"))).orElse(null);
        }

        private void check(List<Step> steps) {
            Map<String, OrgDnsState> states = new HashMap<>();
            for (int org = 0; org < ORGS; org++) {
                states.put(orgId(org), world.orgStates().get(orgId(org)));
            }
            Map<HostedZone, String> zones = zonesOfThisTry();
            String sequence = "sequence " + steps;
            for (int org = 0; org < ORGS; org++) {
                OrgDnsState state = states.get(orgId(org));
                if (!inUse(org).isEmpty() && state != null) {
                    assertThat(state.getStatus()).as("an organization with running clusters keeps its zone: " + sequence)
                            .isNotIn(OrgDnsStatus.DELETING, OrgDnsStatus.DELETED);
                }
                if (state == null) {
                    continue;
                }
                boolean holdsZone = state.getStatus() == OrgDnsStatus.READY || state.getStatus() == OrgDnsStatus.DELETING;
                if (holdsZone) {
                    assertThat(zones).as("its zone exists, in the account its state names: " + sequence)
                            .anySatisfy((z, account) -> {
                                assertThat(bare(z.id())).isEqualTo(state.getZoneId());
                                assertThat(account).isEqualTo(state.getAwsAccount());
                            });
                    checkPolicy(state, zones.keySet(), sequence);
                }
                if (state.getStatus() != OrgDnsStatus.DELETED) {
                    for (String account : ACCOUNTS) {
                        if (!account.equals(state.getAwsAccount())) {
                            assertThat(users(account, state.getOrgId())).as("no user of %s in account %s: %s",
                                    state.getOrgId(), account, sequence).isEmpty();
                        }
                    }
                }
                if (state.getStatus() == OrgDnsStatus.READY) {
                    checkKeysAndClusters(state, sequence);
                }
                if (state.getStatus() == OrgDnsStatus.DELETED) {
                    for (String account : ACCOUNTS) {
                        assertThat(users(account, state.getOrgId())).as("a reaped organization leaves no user: "
                                + sequence).isEmpty();
                    }
                }
            }
            // Every zone of this try is its owner's current zone: none orphaned, none twice.
            for (HostedZone zone : zones.keySet()) {
                String owner = zone.config().comment().substring("Managed by Zonekeeper for organization ".length());
                OrgDnsState state = states.get(owner);
                assertThat(state).as("zone " + zone.name() + " has an owner with a state: " + sequence).isNotNull();
                assertThat(state.getZoneId()).as("zone " + zone.name() + " is its owner's zone: " + sequence)
                        .isEqualTo(bare(zone.id()));
                assertThat(state.getStatus()).as(sequence).isIn(OrgDnsStatus.READY, OrgDnsStatus.DELETING);
            }
            assertThat(zones.keySet().stream().map(HostedZone::name).toList()).as("one zone a name, over all"
                    + " accounts: " + sequence).doesNotHaveDuplicates();
            checkClusterOwners(states, sequence);
            // Refusals are expected (shared names, renames, others' clusters); a dead letter the handlers did not
            // mean is not.
            assertThat(world.deadLetters()).filteredOn(r -> new String(r.key(), StandardCharsets.UTF_8)
                            .startsWith(prefix + "-")).map(TenantSafetyPropertiesTest::reason)
                    .as("dead letters: " + sequence)
                    .allSatisfy(reason -> assertThat(reason).doesNotContain("unexpected"));
        }

        /** IAM, evaluating the user's policies, allows changes in the organization's own zone and in no other. */
        private void checkPolicy(OrgDnsState state, Collection<HostedZone> zones, String sequence) {
            List<String> document;
            try (IamClient iam = world.accounts.iam(state.getAwsAccount())) {
                document = iam.listUserPolicies(r -> r.userName(state.getIamUserName())).policyNames().stream()
                        .map(name -> URLDecoder.decode(iam.getUserPolicy(r -> r.userName(state.getIamUserName())
                                .policyName(name)).policyDocument(), StandardCharsets.UTF_8)).toList();
                assertThat(iam.listAttachedUserPolicies(r -> r.userName(state.getIamUserName())).attachedPolicies())
                        .as("no managed policy: " + sequence).isEmpty();
            }
            assertThat(document).as("the user's one inline policy: " + sequence).hasSize(1);
            for (HostedZone zone : zones) {
                boolean own = bare(zone.id()).equals(state.getZoneId());
                assertThat(IdentityPolicies.decide(document, "route53:ChangeResourceRecordSets",
                        "arn:aws:route53:::hostedzone/" + bare(zone.id())))
                        .as("the policy of %s on zone %s: %s", state.getOrgId(), zone.name(), sequence)
                        .isEqualTo(own ? IdentityPolicies.Decision.ALLOWED : IdentityPolicies.Decision.IMPLICITLY_DENIED);
            }
        }

        /** One user, only keys still in use, and every running cluster on the current key and zone. */
        private void checkKeysAndClusters(OrgDnsState state, String sequence) {
            assertThat(users(state.getAwsAccount(), state.getOrgId())).as("one user: " + sequence).hasSize(1);
            List<String> keys;
            try (IamClient iam = world.accounts.iam(state.getAwsAccount())) {
                keys = iam.listAccessKeys(r -> r.userName(state.getIamUserName())).accessKeyMetadata()
                        .stream().map(AccessKeyMetadata::accessKeyId).toList();
            }
            assertThat(keys).as("the current key exists: " + sequence).contains(state.getAccessKeyId());
            assertThat(world.accounts.callerOf(state.getAccessKeyId()).account())
                    .as("the key acts in the organization's account: " + sequence).isEqualTo(state.getAwsAccount());
            for (OrgCluster cluster : state.getClusters()) {
                if (!cluster.getRunning()) {
                    continue;
                }
                assertThat(cluster.getLastError()).as(cluster.getClusterId() + ": " + sequence).isNull();
                assertThat(cluster.getAccessKeyId()).as(cluster.getClusterId() + ": " + sequence)
                        .isEqualTo(state.getAccessKeyId());
                assertThat(cluster.getZoneId()).as(cluster.getClusterId() + ": " + sequence)
                        .isEqualTo(state.getZoneId());
                assertThat(configuredIn(cluster)).as("what " + cluster.getClusterId()
                        + " really holds: " + sequence).isEqualTo(List.of(state.getAccessKeyId(), state.getZoneId()));
            }
            assertThat(keys).as("no key left that no running cluster uses: " + sequence).hasSize(1);
        }

        /**
         * The key in the Secret and the zone in the ExternalDNS arguments of the simulated cluster the roster entry's
         * kubeconfig reaches: with a borrowed kubeconfig, another id's cluster (claimed by its first user).
         */
        private List<String> configuredIn(OrgCluster cluster) {
            String reached = cluster.getKubeconfigVaultPath().replaceAll("^clusters/|/kubeconfig$", "");
            return List.of(world.keyInCluster(reached), world.zoneFilterInCluster(reached));
        }

        /** The zones of this try's organizations in every account of the pool, with the account each is in. */
        private Map<HostedZone, String> zonesOfThisTry() {
            Map<HostedZone, String> found = new HashMap<>();
            for (String account : ACCOUNTS) {
                try (Route53Client route53 = world.accounts.route53(account)) {
                    route53.listHostedZonesPaginator().hostedZones().stream()
                            .filter(z -> z.config() != null && z.config().comment() != null && z.config().comment()
                                    .startsWith("Managed by Zonekeeper for organization " + prefix + "-"))
                            .forEach(z -> found.put(z, account));
                }
            }
            return found;
        }

        /** The organization's IAM users in {@code account}. */
        private List<String> users(String account, String orgId) {
            try (IamClient iam = world.accounts.iam(account)) {
                return iam.listUsers(r -> r.pathPrefix(naming.iamPath(orgId))).users().stream()
                        .map(u -> u.userName()).toList();
            }
        }

        private static String bare(String id) {
            return id.replace("/hostedzone/", "");
        }
    }
}
