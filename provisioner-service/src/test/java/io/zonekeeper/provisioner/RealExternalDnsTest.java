package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngressBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.externaldns.ExternalDnsProcess;
import io.zonekeeper.testkit.faults.Route53Authorizer;
import io.zonekeeper.testkit.kubernetes.KubeApiServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.HostedZone;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;
import software.amazon.awssdk.services.route53.model.Route53Exception;

/**
 * The real ExternalDNS, run exactly as the Deployment the provisioner wrote into a real kube-apiserver says (args,
 * env, the credentials file from its Secret, the service account its RBAC binds), against the AWS emulator.
 */
class RealExternalDnsTest {

    private static final Duration SYNC = Duration.ofSeconds(60);

    private final ProvisionerWorld world = new ProvisionerWorld();

    @AfterEach
    void close() {
        world.close();
    }

    @Test
    void anAnnotatedLoadBalancerGetsItsRecordsInTheOrganizationsZoneAndLosesThemWhenItGoes() {
        KubeApiServer cluster = world.realCluster("real-1");
        String zoneId = provision("real-1");
        try (KubernetesClient admin = cluster.adminClient(); ExternalDnsProcess externalDns = runExternalDns(cluster)) {
            loadBalancer(admin, "web", "web.real-1.acme.example.com", "203.0.113.10");

            await().atMost(SYNC).untilAsserted(() -> assertThat(record(zoneId, "web.real-1.acme.example.com.", RRType.A))
                    .as("ExternalDNS printed:%n%s", externalDns.logTail())
                    .hasValueSatisfying(a -> assertThat(a.resourceRecords().get(0).value()).isEqualTo("203.0.113.10")));
            // Its ownership record, in the only format ExternalDNS writes since 0.18 (<type>-<name>), naming this
            // cluster as owner; the old format at the record's own name is gone.
            assertThat(records(zoneId)).filteredOn(r -> r.type() == RRType.TXT).extracting(ResourceRecordSet::name)
                    .contains("a-web.real-1.acme.example.com.").doesNotContain("web.real-1.acme.example.com.");
            assertThat(records(zoneId)).filteredOn(r -> r.type() == RRType.TXT)
                    .allSatisfy(r -> assertThat(r.resourceRecords().get(0).value()).contains("external-dns/owner=real-1"));

            admin.services().inNamespace("default").withName("web").delete();
            await().atMost(SYNC).untilAsserted(() -> assertThat(records(zoneId))
                    .noneMatch(r -> r.name().endsWith("web.real-1.acme.example.com.")));
            assertThat(externalDns.alive()).isTrue();
        }
        assertThat(world.deadLetters()).isEmpty();
        // Every call it made was signed with the organization's key and allowed by the organization's policy.
        assertThat(world.authorizer.decisions()).allSatisfy(d -> assertThat(d.allowed()).as(d.toString()).isTrue())
                .extracting(Route53Authorizer.Decision::action).contains("route53:ListHostedZones",
                        "route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets");
    }

    @Test
    void anIngressGetsACnameToItsLoadBalancerAndLosesItWhenItGoes() {
        KubeApiServer cluster = world.realCluster("real-1");
        String zoneId = provision("real-1");
        try (KubernetesClient admin = cluster.adminClient(); ExternalDnsProcess externalDns = runExternalDns(cluster)) {
            Ingress ingress = admin.network().v1().ingresses().inNamespace("default").resource(new IngressBuilder()
                    .withNewMetadata().withName("app").endMetadata()
                    .withNewSpec().addNewRule().withHost("app.real-1.acme.example.com").withNewHttp().addNewPath()
                    .withPath("/").withPathType("Prefix").withNewBackend().withNewService().withName("app")
                    .withNewPort().withNumber(80).endPort().endService().endBackend().endPath().endHttp().endRule()
                    .endSpec().build()).create();
            ingress.setStatus(new io.fabric8.kubernetes.api.model.networking.v1.IngressStatusBuilder()
                    .withNewLoadBalancer().withIngress(new IngressLoadBalancerIngressBuilder()
                            .withHostname("lb-1.elb.example.net").build()).endLoadBalancer().build());
            admin.network().v1().ingresses().inNamespace("default").resource(ingress).updateStatus();

            await().atMost(SYNC).untilAsserted(() -> assertThat(record(zoneId, "app.real-1.acme.example.com.",
                    RRType.CNAME)).as("ExternalDNS printed:%n%s", externalDns.logTail())
                    .hasValueSatisfying(c -> assertThat(c.resourceRecords().get(0).value())
                            .isEqualTo("lb-1.elb.example.net")));

            admin.network().v1().ingresses().inNamespace("default").withName("app").delete();
            await().atMost(SYNC).untilAsserted(() -> assertThat(records(zoneId))
                    .noneMatch(r -> r.name().endsWith("app.real-1.acme.example.com.")));
        }
    }

    @Test
    void twoClustersOfOneOrganizationKeepEachOthersRecords() {
        KubeApiServer first = world.realCluster("real-1");
        KubeApiServer second = world.realCluster("real-2");
        String zoneId = provision("real-1");
        world.emit(ProvisionerWorld.event("org-1", "acme", "real-2", ClusterStatus.RUNNING));
        try (KubernetesClient firstAdmin = first.adminClient(); KubernetesClient secondAdmin = second.adminClient()) {
            await().atMost(SYNC).until(() -> deployment(secondAdmin) != null);
            try (ExternalDnsProcess firstDns = runExternalDns(first); ExternalDnsProcess secondDns = runExternalDns(second)) {
                loadBalancer(firstAdmin, "web", "web.real-1.acme.example.com", "203.0.113.10");
                loadBalancer(secondAdmin, "web", "web.real-2.acme.example.com", "203.0.113.20");
                await().atMost(SYNC).untilAsserted(() -> {
                    assertThat(record(zoneId, "web.real-1.acme.example.com.", RRType.A)).isPresent();
                    assertThat(record(zoneId, "web.real-2.acme.example.com.", RRType.A)).isPresent();
                });

                // The first cluster's ExternalDNS (policy sync) deletes what it owns, never what the second owns.
                firstAdmin.services().inNamespace("default").withName("web").delete();
                await().atMost(SYNC).untilAsserted(() ->
                        assertThat(record(zoneId, "web.real-1.acme.example.com.", RRType.A)).isEmpty());
                assertThat(record(zoneId, "web.real-2.acme.example.com.", RRType.A)).isPresent();
                assertThat(record(zoneId, "a-web.real-2.acme.example.com.", RRType.TXT)).hasValueSatisfying(txt ->
                        assertThat(txt.resourceRecords().get(0).value()).contains("external-dns/owner=real-2"));
                assertThat(firstDns.alive() && secondDns.alive()).isTrue();
            }
        }
    }

    @Test
    void aZoneRecreatedByAReconcileGetsTheRecordsOnceExternalDnsRolls() {
        KubeApiServer cluster = world.realCluster("real-1");
        String before = provision("real-1");
        try (KubernetesClient admin = cluster.adminClient()) {
            try (ExternalDnsProcess externalDns = runExternalDns(cluster)) {
                loadBalancer(admin, "web", "web.real-1.acme.example.com", "203.0.113.10");
                await().atMost(SYNC).untilAsserted(() ->
                        assertThat(record(before, "web.real-1.acme.example.com.", RRType.A)).isPresent());
            }
            // Someone deletes the zone behind Zonekeeper's back; an operator's reconcile makes a new one.
            List<Change> emptying = records(before).stream().filter(r -> r.type() != RRType.NS && r.type() != RRType.SOA)
                    .map(r -> Change.builder().action(ChangeAction.DELETE).resourceRecordSet(r).build()).toList();
            world.route53.changeResourceRecordSets(r -> r.hostedZoneId(before).changeBatch(b -> b.changes(emptying)));
            world.route53.deleteHostedZone(r -> r.id(before));
            world.reconcile("org-1");
            String after = world.awaitState("org-1", s -> !s.getZoneId().equals(before)).getZoneId();
            await().atMost(SYNC).until(() -> deployment(admin).getSpec().getTemplate().getSpec().getContainers().get(0)
                    .getArgs().contains("--zone-id-filter=" + after));

            // The Deployment changed, so its pod is replaced: the new ExternalDNS writes into the new zone.
            try (ExternalDnsProcess rolled = runExternalDns(cluster)) {
                await().atMost(SYNC).untilAsserted(() -> assertThat(record(after, "web.real-1.acme.example.com.",
                        RRType.A)).as("ExternalDNS printed:%n%s", rolled.logTail()).isPresent());
            }
        }
    }

    @Test
    void anOrganizationsKeyCannotChangeAnotherOrganizationsZoneEvenWithExternalDnsPointedThere() {
        KubeApiServer acmeCluster = world.realCluster("real-1");
        world.realCluster("real-g");
        provision("real-1");
        world.emit(ProvisionerWorld.event("org-2", "globex", "real-g", ClusterStatus.RUNNING));
        String globexZone = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY).getZoneId();
        try (KubernetesClient admin = acmeCluster.adminClient()) {
            // A tenant who may edit its own cluster points its ExternalDNS at the other organization's zone.
            Deployment hijacked = new DeploymentBuilder(deployment(admin)).editSpec().editTemplate().editSpec()
                    .editFirstContainer().withArgs(deployment(admin).getSpec().getTemplate().getSpec().getContainers()
                            .get(0).getArgs().stream().map(arg -> arg.startsWith("--domain-filter=")
                                    ? "--domain-filter=globex.example.com" : arg.startsWith("--zone-id-filter=")
                                    ? "--zone-id-filter=" + globexZone : arg).toList())
                    .endContainer().endSpec().endTemplate().endSpec().build();
            loadBalancer(admin, "web", "www.globex.example.com", "203.0.113.66");
            try (ExternalDnsProcess externalDns = runExternalDns(acmeCluster, hijacked)) {
                String zoneArn = "arn:aws:route53:::hostedzone/" + globexZone;
                await().atMost(SYNC).untilAsserted(() -> assertThat(world.authorizer.decisions())
                        .as("ExternalDNS printed:%n%s", externalDns.logTail())
                        .anyMatch(d -> d.resource().equals(zoneArn) && !d.allowed()));
                assertThat(world.authorizer.decisions()).filteredOn(d -> d.resource().equals(zoneArn))
                        .noneMatch(d -> d.allowed() && d.action().equals("route53:ChangeResourceRecordSets"));
                assertThat(externalDns.log()).contains("AccessDenied");
            }
        }
        assertThat(records(globexZone)).noneMatch(r -> r.name().startsWith("www."));
    }

    @Test
    void anOrganizationInTheSecondAccountOfAPoolWritesThereWithThatAccountsKeyAndReachesNothingInTheFirst() {
        String first = "210987654321";
        String second = "310987654321";
        world.usePool(first, second);
        world.realCluster("real-1");
        KubeApiServer globexCluster = world.realCluster("real-g");
        String acmeZone = provision("real-1");
        world.emit(ProvisionerWorld.event("org-2", "globex", "real-g", ClusterStatus.RUNNING));
        var globex = world.awaitState("org-2", s -> s.getStatus() == OrgDnsStatus.READY);
        assertThat(world.orgStates().get("org-1").getAwsAccount()).isEqualTo(first);
        assertThat(globex.getAwsAccount()).isEqualTo(second);
        try (KubernetesClient admin = globexCluster.adminClient();
             Route53Client inSecond = world.accounts.route53(second);
             Route53Client inFirst = world.accounts.route53(first)) {
            try (ExternalDnsProcess externalDns = runExternalDns(globexCluster)) {
                loadBalancer(admin, "web", "web.real-g.globex.example.com", "203.0.113.20");
                await().atMost(SYNC).untilAsserted(() -> assertThat(inSecond.listResourceRecordSets(r -> r
                        .hostedZoneId(globex.getZoneId())).resourceRecordSets())
                        .as("ExternalDNS printed:%n%s", externalDns.logTail())
                        .anyMatch(r -> r.name().equals("web.real-g.globex.example.com.") && r.type() == RRType.A));
            }
            // Its key, as ExternalDNS holds it, acts in the second account only: the first account's zone is neither
            // listed nor writable with it.
            Map<String, Object> key = world.vault.read(globex.getCredentialsVaultPath()).orElseThrow();
            try (Route53Client tenant = Route53Client.builder().region(Region.AWS_GLOBAL)
                    .endpointOverride(world.aws.endpoint()).credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(key.get("accessKeyId").toString(),
                                    key.get("secretAccessKey").toString()))).build()) {
                assertThat(tenant.listHostedZones().hostedZones()).extracting(HostedZone::name)
                        .containsExactly("globex.example.com.");
                assertThatThrownBy(() -> tenant.changeResourceRecordSets(r -> r.hostedZoneId(acmeZone)
                        .changeBatch(batch -> batch.changes(Change.builder().action(ChangeAction.UPSERT)
                                .resourceRecordSet(set -> set.name("www.acme.example.com").type(RRType.A).ttl(60L)
                                        .resourceRecords(rr -> rr.value("203.0.113.66"))).build()))))
                        .isInstanceOfSatisfying(Route53Exception.class, e -> assertThat(e.awsErrorDetails()
                                .errorMessage()).contains("arn:aws:iam::" + second + ":user/",
                                "route53:ChangeResourceRecordSets", "hostedzone/" + acmeZone));
            }
            assertThat(inFirst.listResourceRecordSets(r -> r.hostedZoneId(acmeZone)).resourceRecordSets())
                    .noneMatch(r -> r.name().startsWith("www."));
        }
        assertThat(world.authorizer.decisions()).filteredOn(d -> d.resource().endsWith(acmeZone))
                .noneMatch(Route53Authorizer.Decision::allowed);
    }

    @Test
    void aReplacedKeyRollsExternalDnsAndTheOldKeyStopsWorking() {
        KubeApiServer first = world.realCluster("real-1");
        world.realCluster("real-2");
        String zoneId = provision("real-1");
        try (KubernetesClient admin = first.adminClient()) {
            String hashBefore = credentialsHash(deployment(admin));
            try (ExternalDnsProcess before = runExternalDns(first)) {
                loadBalancer(admin, "web", "web.real-1.acme.example.com", "203.0.113.10");
                await().atMost(SYNC).untilAsserted(() ->
                        assertThat(record(zoneId, "web.real-1.acme.example.com.", RRType.A)).isPresent());

                // The stored key no longer matches IAM (a backup restored over it): the next event replaces it.
                var state = world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY);
                world.vault.write(state.getCredentialsVaultPath(), Map.of("accessKeyId", "AKIARESTOREDFROMBACKUP",
                        "secretAccessKey", "not-a-real-secret"));
                world.emit(ProvisionerWorld.event("org-1", "acme", "real-2", ClusterStatus.RUNNING));
                String newKey = world.awaitState("org-1", s -> s.getClusters().size() == 2
                        && !s.getAccessKeyId().equals(state.getAccessKeyId())).getAccessKeyId();

                // The pod template changed, so a kubelet replaces the pod; until then the old pod's key is refused.
                await().atMost(SYNC).until(() -> !credentialsHash(deployment(admin)).equals(hashBefore));
                loadBalancer(admin, "api", "api.real-1.acme.example.com", "203.0.113.11");
                await().atMost(SYNC).untilAsserted(() -> assertThat(before.log())
                        .contains("The security token included in the request is invalid"));
                assertThat(record(zoneId, "api.real-1.acme.example.com.", RRType.A)).isEmpty();
                assertThat(newKey).isNotEqualTo(state.getAccessKeyId());
            }
            try (ExternalDnsProcess rolled = runExternalDns(first)) {
                await().atMost(SYNC).untilAsserted(() -> assertThat(record(zoneId, "api.real-1.acme.example.com.",
                        RRType.A)).as("ExternalDNS printed:%n%s", rolled.logTail()).isPresent());
            }
        }
    }

    private static String credentialsHash(Deployment deployment) {
        return deployment.getSpec().getTemplate().getMetadata().getAnnotations().get(ExternalDnsManifests.CREDENTIALS_HASH);
    }

    /** The organization's first cluster runs; returns its zone once the provisioner has made it. */
    private String provision(String clusterId) {
        world.startService("provisioner-" + world.suffix);
        world.emit(ProvisionerWorld.event("org-1", "acme", clusterId, ClusterStatus.RUNNING));
        return world.awaitState("org-1", s -> s.getStatus() == OrgDnsStatus.READY).getZoneId();
    }

    /** Runs the ExternalDNS the provisioner deployed in {@code cluster}, as its service account. */
    private ExternalDnsProcess runExternalDns(KubeApiServer cluster) {
        try (KubernetesClient admin = cluster.adminClient()) {
            return runExternalDns(cluster, await().atMost(SYNC).until(() -> deployment(admin), d -> d != null));
        }
    }

    /** Runs {@code deployment} in {@code cluster} with the Secret and service account the provisioner made there. */
    private ExternalDnsProcess runExternalDns(KubeApiServer cluster, Deployment deployment) {
        try (KubernetesClient admin = cluster.adminClient()) {
            Secret credentials = admin.secrets().inNamespace("external-dns").withName(ExternalDnsManifests.SECRET_NAME)
                    .get();
            String token = admin.serviceAccounts().inNamespace("external-dns")
                    .withName(deployment.getSpec().getTemplate().getSpec().getServiceAccountName())
                    .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
                    .getStatus().getToken();
            return ExternalDnsProcess.start(deployment, Map.of(ExternalDnsManifests.SECRET_NAME, credentials),
                    cluster.kubeconfigWithToken("external-dns", token), world.aws.endpoint());
        }
    }

    private static Deployment deployment(KubernetesClient admin) {
        return admin.apps().deployments().inNamespace("external-dns").withName(ExternalDnsManifests.NAME).get();
    }

    /** A Service of type LoadBalancer annotated with {@code hostname}; no cloud controller here, so the test gives it its address. */
    private static void loadBalancer(KubernetesClient admin, String name, String hostname, String ip) {
        Service service = admin.services().inNamespace("default").resource(new ServiceBuilder()
                .withNewMetadata().withName(name)
                .addToAnnotations("external-dns.alpha.kubernetes.io/hostname", hostname).endMetadata()
                .withNewSpec().withType("LoadBalancer").addNewPort().withPort(443).endPort()
                .addToSelector("app", name).endSpec()
                .build()).create();
        service.setStatus(new ServiceStatusBuilder().withNewLoadBalancer()
                .withIngress(new LoadBalancerIngressBuilder().withIp(ip).build()).endLoadBalancer().build());
        admin.services().inNamespace("default").resource(service).updateStatus();
    }

    private Optional<ResourceRecordSet> record(String zoneId, String name, RRType type) {
        return records(zoneId).stream().filter(r -> r.name().equals(name) && r.type() == type).findFirst();
    }

    private List<ResourceRecordSet> records(String zoneId) {
        return world.route53.listResourceRecordSets(r -> r.hostedZoneId(zoneId)).resourceRecordSets();
    }
}
