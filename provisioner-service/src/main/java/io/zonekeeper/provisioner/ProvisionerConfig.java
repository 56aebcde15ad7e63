package io.zonekeeper.provisioner;

import io.zonekeeper.common.config.AwsRates;
import io.zonekeeper.common.config.AwsSettings;
import io.zonekeeper.common.config.ConsumerSettings;
import io.zonekeeper.common.config.DomainSetting;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.KubernetesSettings;
import io.zonekeeper.common.config.ServiceSettings;
import io.zonekeeper.common.config.Setting;
import io.zonekeeper.common.config.TopicSettings;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.common.kafka.TopicNames;
import io.zonekeeper.common.ratelimit.BucketSpec;
import io.zonekeeper.provisioner.aws.DelegationSetPool;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.provisioner.model.FleetPolling;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/** Everything the provisioner is configured with, read from the environment in one place. */
public record ProvisionerConfig(
        ServiceSettings service,
        ConsumerSettings consumer,
        VaultSettings vault,
        AwsSettings aws,
        Topics topics,
        String baseDomain,
        String parentZoneId,
        String iamPath,
        String credentialsVaultPrefix,
        ExternalDnsManifests.Settings externalDns,
        RateLimits rateLimits,
        Fleet fleet,
        Duration kubernetesRequestTimeout,
        boolean adoptUnownedZones,
        String delegationSet,
        Duration quotaRefresh) {

    public static final String SERVICE = "provisioner-service";
    /** The image the real-ExternalDNS tests build the same version of (testkit's GoTools.EXTERNAL_DNS). */
    public static final String DEFAULT_EXTERNAL_DNS_IMAGE = "registry.k8s.io/external-dns/external-dns:v0.21.0";
    static final Set<String> EXTERNAL_DNS_POLICIES = Set.of("sync", "upsert-only", "create-only");

    public static final Setting<String> BASE_DOMAIN = DomainSetting.of("BASE_DOMAIN", "organizations get <org>.<BASE_DOMAIN>");
    public static final Setting<String> GROUP = Setting.text("CONSUMER_GROUP", TopicNames.Consumer.PROVISIONER.group(),
            "consumer group");
    public static final Setting<Integer> WORKERS = Setting.integer("WORKERS", 16, 1, 512,
            "organizations processed at once per instance");
    public static final Setting<String> PARENT_ZONE_ID = Setting.required("PARENT_ZONE_ID",
            "Route53 zone of BASE_DOMAIN, where the NS delegations go");
    public static final Setting<String> IAM_PATH = Setting.text("IAM_PATH", "/zonekeeper/",
            "IAM path of the installation; each organization gets <IAM_PATH><hash>/");
    public static final Setting<String> CREDENTIALS_VAULT_PREFIX = Setting.text("CREDENTIALS_VAULT_PREFIX",
            "zonekeeper/orgs", "access keys live at <prefix>/<orgId>/aws in the KV mount");
    public static final Setting<String> EXTERNAL_DNS_NAMESPACE = Setting.text("EXTERNAL_DNS_NAMESPACE", "external-dns",
            "namespace of ExternalDNS and its credentials in each cluster");
    public static final Setting<String> EXTERNAL_DNS_IMAGE = Setting.text("EXTERNAL_DNS_IMAGE", DEFAULT_EXTERNAL_DNS_IMAGE,
            "the ExternalDNS image deployed");
    public static final Setting<String> EXTERNAL_DNS_POLICY = Setting.text("EXTERNAL_DNS_POLICY", "sync",
            "sync, upsert-only or create-only");
    public static final Setting<Double> CREATE_ZONE_RATE = Setting.decimal("ROUTE53_CREATE_ZONE_RATE_PER_SECOND", 2, 0.01,
            10_000, "CreateHostedZone calls per second, within the provisioner's Route53 rate");
    public static final Setting<Double> DELETE_ZONE_RATE = Setting.decimal("ROUTE53_DELETE_ZONE_RATE_PER_SECOND", 5, 0.01,
            10_000, "DeleteHostedZone calls per second, within the provisioner's Route53 rate");
    public static final Setting<Integer> OTHER_ZONES = Setting.integer("ROUTE53_OTHER_ZONES", 0, 0, 1_000_000,
            "hosted zones in the account Zonekeeper does not manage, which every ExternalDNS lists too");
    public static final Setting<Duration> FLEET_SCAN = Setting.duration("EXTERNAL_DNS_FLEET_SCAN", "1m",
            "how often the fleet's polling is checked against its share");
    public static final Setting<Boolean> ADOPT_UNOWNED_ZONES = Setting.flag("ADOPT_UNOWNED_ZONES", false,
            "whether a zone of an organization's name that Zonekeeper did not make may be adopted");
    public static final Setting<String> DELEGATION_SET_ID = Setting.text("DELEGATION_SET_ID", DelegationSetPool.AUTO,
            "reusable delegation sets new zones are created in: auto, a set id, or none");
    public static final Setting<Duration> QUOTA_REFRESH = Setting.duration("QUOTA_REFRESH", "5m",
            "how often the account's quotas are read");

    /** Topic names; every one is configuration. */
    public record Topics(String lifecycle, String reap, String orgCommands, String orgDns) {
    }

    /**
     * Client-side token buckets. Route53's account bucket is shared with every ExternalDNS using the account: the
     * fleet's polling is sized to its share of it, and Zonekeeper's own bucket is the remainder.
     */
    public record RateLimits(BucketSpec route53, Map<String, BucketSpec> route53Operations, BucketSpec iam) {
    }

    /** The fleet's ExternalDNS: its part of Route53's bucket, the zones it lists besides Zonekeeper's, how often
     *  it is checked against that. */
    public record Fleet(FleetPolling.Budget budget, int otherZones, Duration scanPeriod) {
    }

    public static ProvisionerConfig read(EnvReader env) {
        String iamPath = IAM_PATH.read(env);
        if (!iamPath.startsWith("/") || !iamPath.endsWith("/")) {
            env.problem("IAM_PATH must start and end with '/', not '" + iamPath + "'");
        }
        String delegationSet = DELEGATION_SET_ID.read(env);
        if (!delegationSet.equals(DelegationSetPool.AUTO) && !delegationSet.equals(DelegationSetPool.NONE)
                && !delegationSet.matches("[A-Z0-9]{1,32}")) {
            env.problem("DELEGATION_SET_ID must be 'auto', 'none' or a reusable delegation set id, not '"
                    + delegationSet + "'");
        }
        String policy = EXTERNAL_DNS_POLICY.read(env);
        if (!EXTERNAL_DNS_POLICIES.contains(policy)) {
            env.problem("EXTERNAL_DNS_POLICY must be one of " + EXTERNAL_DNS_POLICIES + ", not '" + policy + "'");
        }
        AwsRates rates = AwsRates.read(env);
        ServiceSettings service = ServiceSettings.read(env, SERVICE);
        var config = new ProvisionerConfig(
                service,
                ConsumerSettings.read(env, GROUP, WORKERS),
                VaultSettings.read(env),
                AwsSettings.read(env),
                new Topics(
                        service.ingress().lifecycleByOrg(),
                        TopicSettings.REAP.read(env),
                        TopicSettings.ORG_COMMANDS.read(env),
                        TopicSettings.ORG_DNS.read(env)),
                BASE_DOMAIN.read(env),
                PARENT_ZONE_ID.read(env),
                iamPath,
                CREDENTIALS_VAULT_PREFIX.read(env),
                new ExternalDnsManifests.Settings(
                        EXTERNAL_DNS_NAMESPACE.read(env),
                        EXTERNAL_DNS_IMAGE.read(env),
                        policy),
                new RateLimits(
                        BucketSpec.of(rates.provisionerRoute53PerSecond(), rates.provisionerRoute53Burst()),
                        Map.of("CreateHostedZone", BucketSpec.of(CREATE_ZONE_RATE.read(env), 2),
                                "DeleteHostedZone", BucketSpec.of(DELETE_ZONE_RATE.read(env), 5)),
                        BucketSpec.of(rates.iamPerSecond(), rates.iamBurst())),
                new Fleet(new FleetPolling.Budget(rates.route53PerSecond(), rates.externalDnsShare()),
                        OTHER_ZONES.read(env),
                        FLEET_SCAN.read(env)),
                KubernetesSettings.REQUEST_TIMEOUT.read(env),
                ADOPT_UNOWNED_ZONES.read(env),
                delegationSet,
                QUOTA_REFRESH.read(env));
        env.validate();
        return config;
    }
}
