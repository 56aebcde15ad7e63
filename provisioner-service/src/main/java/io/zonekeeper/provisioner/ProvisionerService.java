package io.zonekeeper.provisioner;

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
import java.time.Clock;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.route53.Route53Client;

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
        var metrics = runtime.metrics();
        ApiRateLimiter route53Limits = new ApiRateLimiter("route53", config.rateLimits().route53(),
                config.rateLimits().route53Operations(), metrics);
        ApiRateLimiter iamLimits = new ApiRateLimiter("iam", config.rateLimits().iam(), Map.of(), metrics);
        AwsClients aws = new AwsClients(config.aws(),
                List.of(new RateLimitingInterceptor(route53Limits), new AwsCallMetrics(metrics)),
                List.of(new RateLimitingInterceptor(iamLimits), new AwsCallMetrics(metrics)));
        Route53Client route53 = runtime.own(aws.route53());
        IamClient iam = runtime.own(aws.iam());

        ServiceRuntime.VaultAccess vaultAccess = runtime.vault(config.vault(), config.kubernetesRequestTimeout());
        AccessKeyVault vault = new AccessKeyVault(vaultAccess.secrets());
        OrgNaming naming = new OrgNaming(config.baseDomain(), config.iamPath(), config.credentialsVaultPrefix());
        var delegationSets = new DelegationSetPool(route53, retry, clock, config.quotaRefresh(), config.delegationSet(),
                naming.delegationSetReference()).verified();
        HostedZones zones = new HostedZones(route53, retry, delegationSets);
        ManagedPolicies managedPolicies = new ManagedPolicies(iam, retry);
        IamUsers users = new IamUsers(iam, retry);

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
                vault, zones, fleet::polling);

        var reconciler = new ProvisionerReconciler(
                new OrgProvisioner(naming, new OrgZones(naming, config.parentZoneId(), zones,
                        config.adoptUnownedZones(), clock), managedPolicies, users, vault,
                        new AccountQuotas(route53, iam, clock, config.quotaRefresh(), metrics), retry, clock),
                clusters,
                new ReapExecutor(config.parentZoneId(), zones, managedPolicies, users, vault, states, clock), clock);
        ProvisionerHandler handler = new ProvisionerHandler(topics, states, reconciler, runtime.audit(),
                runtime.progress()::completedUpTo, config.service().eventRules(), clock);
        runtime.consume(config.consumer(), handler.routes(), rejections);
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
