package io.zonekeeper.provisioner;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.TopicSettings;
import io.zonekeeper.common.kafka.Ingress;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.provisioner.model.OrgNaming;
import io.zonekeeper.provisioner.model.ZonePolicyDocument;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.LifecyclePosition;
import io.zonekeeper.schemas.OrgAction;
import io.zonekeeper.schemas.OrgCommand;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.ReapReason;
import io.zonekeeper.schemas.ZoneReapCommand;
import io.zonekeeper.testkit.ProjectDirectories;
import io.zonekeeper.testkit.aws.MotoAccounts;
import io.zonekeeper.testkit.aws.MotoServer;
import io.zonekeeper.testkit.faults.FaultProxy;
import io.zonekeeper.testkit.faults.IamEnforcement;
import io.zonekeeper.testkit.faults.Route53Authorizer;
import io.zonekeeper.testkit.faults.Route53Enforcement;
import io.zonekeeper.testkit.kafka.IngressTopics;
import io.zonekeeper.testkit.kubernetes.KubeApiServer;
import io.zonekeeper.testkit.vault.ServicePolicies;
import io.zonekeeper.world.ServiceWorld;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.RRType;

/**
 * Everything the provisioner talks to, real or standing in, for one test: its own topics on the shared broker,
 * a schema registry, the AWS emulator behind a fault proxy (which counts Route53 and IAM calls, and refuses what
 * Route53 refuses and the emulator does not check), a Vault,
 * simulated clusters with their kubeconfigs in Vault, and the service itself, configured only through the
 * environment map it would read in production.
 */
final class ProvisionerWorld extends ServiceWorld<ProvisionerService> {

    static final String BASE_DOMAIN = "example.com";
    static final String CREDENTIALS_VAULT_PREFIX = "zonekeeper/orgs";
    /**
     * Real speed from a fixed instant two minutes before a month and a year end, so no test here depends on the
     * day it runs and the suite crosses a boundary as it goes.
     */
    static final ServiceClock CLOCK = ServiceClock.simulated(Instant.parse("2026-12-31T23:58:00Z"), 1, Instant.now());

    final MotoServer moto = MotoServer.shared();
    final FaultProxy aws;
    /** IAM for Route53 calls signed with an organization's key (ExternalDNS's); Zonekeeper's own key passes. */
    final Route53Authorizer authorizer;
    /** What Route53 enforces and the emulator does not, each account's hosted-zone quota among it. */
    final Route53Enforcement route53Rules;
    /** What IAM enforces and the emulator does not: each account's quota of users. */
    final IamEnforcement iamRules;
    /** The emulator's accounts: administrator clients for a pool's accounts. */
    final MotoAccounts accounts;
    final Route53Client route53;
    final IamClient iam;
    final String parentZoneId;
    final String reapTopic = consumedTopic("zone.reap.v1");
    final String orgCommandsTopic = consumedTopic("org.commands.v1");
    final String orgDnsTopic = stateTopic("org.dns.v1");
    private final List<KubeApiServer> realClusters = new ArrayList<>();
    /** The user kubernetes/zonekeeper-provisioner-rbac.yaml binds. */
    static final String REAL_CLUSTER_USER = "zonekeeper-provisioner";
    /** The role the provisioner assumes in each account of a pool ({@link #usePool}), and the external id it needs. */
    static final String POOL_ROLE = "zonekeeper-provisioner";
    static final String EXTERNAL_ID = "zonekeeper-test-installation";

    ProvisionerWorld() {
        super(ServicePolicies.PROVISIONER, Map.of("CREDENTIALS_VAULT_PREFIX", CREDENTIALS_VAULT_PREFIX));
        moto.reset();
        aws = FaultProxy.start(moto.endpoint(), 1234);
        route53Rules = new Route53Enforcement(moto.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY);
        aws.enforce(route53Rules);
        authorizer = new Route53Authorizer(moto.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY);
        aws.authorize(authorizer);
        iamRules = new IamEnforcement(moto.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY);
        aws.enforce(iamRules);
        accounts = new MotoAccounts(moto.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY);
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
        route53 = Route53Client.builder().region(Region.AWS_GLOBAL).endpointOverride(moto.endpoint())
                .credentialsProvider(credentials).build();
        iam = IamClient.builder().region(Region.AWS_GLOBAL).endpointOverride(moto.endpoint())
                .credentialsProvider(credentials).build();
        parentZoneId = route53.createHostedZone(r -> r.name(BASE_DOMAIN + ".").callerReference("parent-" + suffix))
                .hostedZone().id().replace("/hostedzone/", "");
    }

    Map<String, String> env(String consumerGroup) {
        return env(environment()
                .set(ProvisionerConfig.GROUP, consumerGroup)
                .set(ProvisionerConfig.CREDENTIALS_VAULT_PREFIX, CREDENTIALS_VAULT_PREFIX)
                .aws(aws.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY)
                .set(ProvisionerConfig.BASE_DOMAIN, BASE_DOMAIN)
                .set(ProvisionerConfig.PARENT_ZONE_ID, parentZoneId)
                .set(TopicSettings.REAP, reapTopic)
                .set(TopicSettings.ORG_COMMANDS, orgCommandsTopic)
                .set(TopicSettings.ORG_DNS, orgDnsTopic)
                .set(ProvisionerConfig.IAM_PATH, "/zonekeeper-" + suffix + "/"));
    }

    /** A Route53 client as the services see it: through the fault proxy and what it enforces. */
    Route53Client route53ThroughProxy() {
        return Route53Client.builder().region(Region.AWS_GLOBAL).endpointOverride(aws.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY))).build();
    }

    ProvisionerService startService(String consumerGroup) {
        ProvisionerService service = ProvisionerService.start(ProvisionerConfig.read(new EnvReader(env(consumerGroup))),
                CLOCK);
        return started(service);
    }

    static ClusterLifecycleEvent event(String orgId, String orgName, String clusterId, ClusterStatus status) {
        return lifecycleEvent(orgId, orgName, clusterId, "c" + Math.abs(clusterId.hashCode() % 1000), status,
                CLOCK.now(), kubeconfigPath(clusterId));
    }

    /** What {@code zk reconcile --org} publishes; returns the command id audit events name as their cause. */
    String reconcile(String orgId) {
        UUID commandId = UUID.randomUUID();
        send(orgCommandsTopic, orgId, OrgCommand.newBuilder().setCommandId(commandId).setIssuedAt(CLOCK.now())
                .setIssuedBy("test").setOrgId(orgId).setAction(OrgAction.RECONCILE).setReason("drift test").build());
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
        return send(reapTopic, orgId, command);
    }

    /** Where the reaper would have seen the upstream's record: its position in the by-organization topic. */
    LifecyclePosition lifecyclePosition(RecordMetadata upstream) {
        if (services().isEmpty()) {
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
        send(orgDnsTopic, state.getOrgId(), state);
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

    /**
     * Makes the provisioner's pool these accounts of the emulator: in each, the role the provisioner's own
     * credentials assume (with the world's external id), allowed Route53 and IAM there, as an installation's
     * administrator would create it; the role's policy is what the authorizer judges the provisioner's Route53 calls
     * in that account by.
     */
    void usePool(String... accountIds) {
        List<String> roles = new ArrayList<>();
        for (String account : accountIds) {
            try (IamClient admin = accounts.iam(account)) {
                String arn = admin.createRole(r -> r.roleName(POOL_ROLE).assumeRolePolicyDocument("""
                        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::                        123456789012:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":                        "%s"}}}]}""".formatted(EXTERNAL_ID))).role().arn();
                admin.putRolePolicy(r -> r.roleName(POOL_ROLE).policyName("zonekeeper-provisioner").policyDocument("""
                        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["route53:*","iam:*"],                        "Resource":"*"}]}"""));
                roles.add(arn);
            }
        }
        setEnv(ProvisionerConfig.ACCOUNT_ROLES.name(), String.join(",", roles));
        setEnv(ProvisionerConfig.ROLE_EXTERNAL_ID.name(), EXTERNAL_ID);
    }

    /** The names of the zones the account holds. */
    List<String> zonesIn(String account) {
        try (Route53Client admin = accounts.route53(account)) {
            return admin.listHostedZones().hostedZones().stream().map(z -> z.name()).toList();
        }
    }

    /** The names of the IAM users the account holds. */
    List<String> usersIn(String account) {
        try (IamClient admin = accounts.iam(account)) {
            return admin.listUsers().users().stream().map(u -> u.userName()).toList();
        }
    }

    /** The name servers the parent zone delegates {@code zoneName} to, sorted; empty when it delegates nothing. */
    List<String> delegation(String zoneName) {
        return route53.listResourceRecordSets(r -> r.hostedZoneId(parentZoneId).startRecordName(zoneName)
                        .startRecordType(RRType.NS).maxItems("1")).resourceRecordSets().stream()
                .filter(set -> set.name().equals(zoneName) && set.type() == RRType.NS)
                .flatMap(set -> set.resourceRecords().stream().map(v -> v.value().replaceAll("\\.$", "")))
                .sorted().toList();
    }

    /** The latest state per organization in org.dns.v1 (null value: tombstone). */
    Map<String, OrgDnsState> orgStates() {
        return latest(orgDnsTopic, OrgDnsState.class);
    }

    List<ConsumerRecord<byte[], byte[]>> deadLetters() {
        return readAll(lifecycleTopic + ".dlq");
    }

    OrgDnsState awaitState(String orgId, Predicate<OrgDnsState> condition) {
        return awaitValue(() -> orgStates().get(orgId), condition);
    }

    /**
     * Waits until the ingress has forwarded every upstream lifecycle event, then until the group has committed every
     * record of the by-organization lifecycle, reap and command topics: all applied, refused or dead-lettered.
     */
    void awaitQuiet(String group) {
        awaitCommitted(ingress.group(), List.of(lifecycleTopic));
        awaitCommitted(group, List.of(ingress.lifecycleByOrg(), reapTopic, orgCommandsTopic));
    }

    /** The access key id in the cluster's ExternalDNS credentials Secret. */
    String keyInCluster(String clusterId) {
        try (var admin = clusters.get(clusterId).adminClient()) {
            var secret = admin.secrets().inNamespace("external-dns")
                    .withName(ExternalDnsManifests.SECRET_NAME).get();
            String file = new String(Base64.getDecoder().decode(secret.getData().get("credentials")),
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
    Deployment awaitExternalDns(String clusterId) {
        try (var admin = clusters.get(clusterId).adminClient()) {
            var deployment = admin.apps().deployments().inNamespace("external-dns").withName("external-dns");
            await().atMost(Duration.ofSeconds(60)).until(() -> deployment.get() != null);
            return deployment.get();
        }
    }

    /** The documents of the user's inline policies, decoded, by policy name. */
    List<String> zonePolicies(String userName) {
        return iam.listUserPolicies(r -> r.userName(userName)).policyNames().stream()
                .map(name -> URLDecoder.decode(iam.getUserPolicy(r -> r.userName(userName).policyName(name))
                        .policyDocument(), StandardCharsets.UTF_8))
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
                .collect(Collectors.toMap(e -> e.getKey().substring(service.length()),
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
        // The services first: they talk to the clusters and to AWS until they stop.
        services().forEach(this::stop);
        realClusters.forEach(KubeApiServer::close);
        route53.close();
        iam.close();
        aws.close();
        authorizer.close();
        route53Rules.close();
        iamRules.close();
        super.close();
    }
}
