package io.zonekeeper.provisioner;

import io.micrometer.core.instrument.Tags;
import io.zonekeeper.common.aws.AwsCallMetrics;
import io.zonekeeper.common.aws.AwsClients;
import io.zonekeeper.common.aws.RateLimitingInterceptor;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.dlq.Rejections;
import io.zonekeeper.common.kafka.StateTopic;
import io.zonekeeper.common.kubernetes.KubernetesObjects;
import io.zonekeeper.common.ratelimit.ApiRateLimiter;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.runtime.CommandSchedule;
import io.zonekeeper.common.runtime.RunningService;
import io.zonekeeper.common.runtime.ServiceRuntime;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.provisioner.aws.AccountPool;
import io.zonekeeper.provisioner.aws.AccountQuotas;
import io.zonekeeper.provisioner.aws.AwsAccount;
import io.zonekeeper.provisioner.aws.DelegationSetPool;
import io.zonekeeper.provisioner.aws.HostedZones;
import io.zonekeeper.provisioner.aws.IamUsers;
import io.zonekeeper.provisioner.aws.ManagedPolicies;
import io.zonekeeper.provisioner.aws.ParentZone;
import io.zonekeeper.provisioner.kubernetes.ExternalDnsDeployment;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.provisioner.model.OrgNaming;
import io.zonekeeper.provisioner.vault.AccessKeyVault;
import io.zonekeeper.schemas.OrgCommand;
import io.zonekeeper.schemas.OrgDnsState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.sts.StsClient;

/** The provisioner wired from its configuration on the {@link ServiceRuntime}: what {@code Main} runs and tests start. */
public final class ProvisionerService implements RunningService {

    private final ServiceRuntime runtime;

    private ProvisionerService(ProvisionerConfig config, ServiceClock time) {
        ProvisionerConfig.Topics topics = config.topics();
        // What it writes (its state, audit events, its own commands) and what others write for it to read.
        runtime = new ServiceRuntime(config.service(), time, List.of(config.service().ingress().lifecycle(),
                topics.reap(), topics.orgCommands(), topics.orgDns(), config.service().audit()),
                config.service().ingress().lifecycleRoute());
        runtime.wire(() -> wire(config, time));
    }

    private void wire(ProvisionerConfig config, ServiceClock time) {
        ProvisionerConfig.Topics topics = config.topics();
        Clock clock = time.clock();
        Retry retry = runtime.retry();
        ServiceRuntime.VaultAccess vaultAccess = runtime.vault(config.vault(), config.kubernetesRequestTimeout());
        AccessKeyVault vault = new AccessKeyVault(vaultAccess.secrets());
        OrgNaming naming = new OrgNaming(config.baseDomain(), config.iamPath(), config.credentialsVaultPrefix());
        AccountPool accounts = accounts(config, naming, clock);
        StateTopic<OrgDnsState> states = runtime.restoreState(topics.orgDns(), OrgDnsState.class,
                OrgDnsState::getOrgId, OrgDnsState::getUpdatedAt);
        Rejections rejections = runtime.rejections(config.service().ingress().lifecycle(), topics.reap(),
                topics.orgCommands());
        ServiceIdentity identity = config.service().identity();
        ExternalDnsFleet fleet = new ExternalDnsFleet(states, config.fleet().budget(), config.fleet().otherZones(),
                config.fleet().scanPeriod(), runtime.audit(), identity.service() + "/" + identity.instance());
        // Real time between scans: a re-roll spends Route53's real requests per second, whatever the clock.
        runtime.background(new CommandSchedule<>("external-dns-fleet", runtime.<OrgCommand>commands(
                topics.orgCommands()), time, config.fleet().scanPeriod(), ExternalDnsFleet.COMMAND_PATIENCE, fleet));
        ClusterProvisioner clusters = new ClusterProvisioner(vaultAccess.clusters(),
                new ExternalDnsDeployment(new ExternalDnsManifests(config.externalDns()), new KubernetesObjects(retry)),
                vault, accounts, fleet::polling);

        var reconciler = new ProvisionerReconciler(
                new OrgProvisioner(naming, accounts, new OrgZones(naming, accounts, config.adoptUnownedZones(), clock),
                        vault, states, retry, clock),
                clusters, new ReapExecutor(accounts, vault, states, clock), clock);
        ProvisionerHandler handler = new ProvisionerHandler(topics, states, reconciler, runtime.audit(),
                runtime.progress()::completedUpTo, config.service().eventRules(), clock);
        runtime.consume(config.consumer(), handler.routes(), rejections);
    }

    /**
     * The own account and the pool's, each with its own clients, token buckets (Route53's bucket is per account)
     * and quotas, and the parent zone in the account configured for it.
     */
    private AccountPool accounts(ProvisionerConfig config, OrgNaming naming, Clock clock) {
        AwsClients ownClients = runtime.own(new AwsClients(config.aws(), route53Interceptors(config, AwsAccount.OWN),
                iamInterceptors(config, AwsAccount.OWN)));
        AwsAccount own = account(config, naming, clock, null, ownClients);
        List<AwsAccount> pool = new ArrayList<>();
        if (!config.accounts().roles().isEmpty()) {
            StsClient sts = runtime.own(ownClients.sts());
            config.accounts().roles().forEach((id, role) -> pool.add(account(config, naming, clock, id,
                    runtime.own(AwsClients.inRole(config.aws(), sts, role, route53Interceptors(config, id),
                            iamInterceptors(config, id))))));
        }
        AwsAccount parentAccount = config.accounts().parentZoneAccount()
                .flatMap(id -> pool.stream().filter(a -> a.id().equals(id)).findFirst()).orElse(own);
        return new AccountPool(own, pool, new ParentZone(config.parentZoneId(), parentAccount.zones()));
    }

    private AwsAccount account(ProvisionerConfig config, OrgNaming naming, Clock clock, String id, AwsClients clients) {
        Route53Client route53 = runtime.own(clients.route53());
        IamClient iam = runtime.own(clients.iam());
        Retry retry = runtime.retry();
        var delegationSets = new DelegationSetPool(route53, retry, clock, config.quotaRefresh(), config.delegationSet(),
                naming.delegationSetReference()).verified();
        return new AwsAccount(id, new HostedZones(route53, retry, delegationSets), new ManagedPolicies(iam, retry),
                new IamUsers(iam, retry), new AccountQuotas(AwsAccount.label(id), route53, iam, clock,
                config.quotaRefresh(), config.accounts().maxZones(), runtime.metrics()));
    }

    /** The account's own Route53 bucket (Route53's is per account), then the call metrics, tagged with it. */
    private List<ExecutionInterceptor> route53Interceptors(ProvisionerConfig config, String account) {
        return interceptors(new ApiRateLimiter("route53", Tags.of("account", account), config.rateLimits().route53(),
                config.rateLimits().route53Operations(), runtime.metrics()));
    }

    /** The account's own IAM bucket, then the call metrics, tagged with it. */
    private List<ExecutionInterceptor> iamInterceptors(ProvisionerConfig config, String account) {
        return interceptors(new ApiRateLimiter("iam", Tags.of("account", account), config.rateLimits().iam(), Map.of(),
                runtime.metrics()));
    }

    private List<ExecutionInterceptor> interceptors(ApiRateLimiter limits) {
        return List.of(new RateLimitingInterceptor(limits), new AwsCallMetrics(runtime.metrics(), limits.tags()));
    }

    /** Starts the service; every time decision it makes reads {@code clock}. */
    public static ProvisionerService start(ProvisionerConfig config, ServiceClock clock) {
        ProvisionerService service = new ProvisionerService(config, clock);
        service.runtime.start();
        return service;
    }

    @Override
    public ServiceRuntime runtime() {
        return runtime;
    }
}
