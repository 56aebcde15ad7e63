package io.zonekeeper.provisioner;

import io.zonekeeper.common.config.AwsRates;
import io.zonekeeper.common.config.AwsSettings;
import io.zonekeeper.common.config.ConsumerSettings;
import io.zonekeeper.common.config.DomainSetting;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.ServiceSettings;
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
        String iamPath = env.optional("IAM_PATH", "/zonekeeper/");
        if (!iamPath.startsWith("/") || !iamPath.endsWith("/")) {
            env.problem("IAM_PATH must start and end with '/', not '" + iamPath + "'");
        }
        String delegationSet = env.optional("DELEGATION_SET_ID", DelegationSetPool.AUTO);
        if (!delegationSet.equals(DelegationSetPool.AUTO) && !delegationSet.equals(DelegationSetPool.NONE)
                && !delegationSet.matches("[A-Z0-9]{1,32}")) {
            env.problem("DELEGATION_SET_ID must be 'auto', 'none' or a reusable delegation set id, not '"
                    + delegationSet + "'");
        }
        String policy = env.optional("EXTERNAL_DNS_POLICY", "sync");
        if (!EXTERNAL_DNS_POLICIES.contains(policy)) {
            env.problem("EXTERNAL_DNS_POLICY must be one of " + EXTERNAL_DNS_POLICIES + ", not '" + policy + "'");
        }
        AwsRates rates = AwsRates.read(env);
        ServiceSettings service = ServiceSettings.read(env, SERVICE);
        var config = new ProvisionerConfig(
                service,
                ConsumerSettings.read(env, TopicNames.Consumer.PROVISIONER.group(), 16),
                VaultSettings.read(env),
                AwsSettings.read(env),
                new Topics(
                        service.ingress().lifecycleByOrg(),
                        env.optional("REAP_TOPIC", TopicNames.REAP),
                        env.optional("ORG_COMMANDS_TOPIC", TopicNames.ORG_COMMANDS),
                        env.optional("ORG_DNS_TOPIC", TopicNames.ORG_DNS)),
                DomainSetting.required(env, "BASE_DOMAIN"),
                env.required("PARENT_ZONE_ID"),
                iamPath,
                env.optional("CREDENTIALS_VAULT_PREFIX", "zonekeeper/orgs"),
                new ExternalDnsManifests.Settings(
                        env.optional("EXTERNAL_DNS_NAMESPACE", "external-dns"),
                        env.optional("EXTERNAL_DNS_IMAGE", DEFAULT_EXTERNAL_DNS_IMAGE),
                        policy),
                new RateLimits(
                        BucketSpec.of(rates.provisionerRoute53PerSecond(), rates.provisionerRoute53Burst()),
                        Map.of("CreateHostedZone", BucketSpec.of(env.decimal("ROUTE53_CREATE_ZONE_RATE_PER_SECOND", 2,
                                        0.01, 10_000), 2),
                                "DeleteHostedZone", BucketSpec.of(env.decimal("ROUTE53_DELETE_ZONE_RATE_PER_SECOND", 5,
                                        0.01, 10_000), 5)),
                        BucketSpec.of(rates.iamPerSecond(), rates.iamBurst())),
                new Fleet(new FleetPolling.Budget(rates.route53PerSecond(), rates.externalDnsShare()),
                        env.integer("ROUTE53_OTHER_ZONES", 0, 0, 1_000_000),
                        env.duration("EXTERNAL_DNS_FLEET_SCAN", Duration.ofMinutes(1))),
                env.duration("KUBERNETES_REQUEST_TIMEOUT", Duration.ofSeconds(10)),
                env.bool("ADOPT_UNOWNED_ZONES", false),
                delegationSet,
                env.duration("QUOTA_REFRESH", Duration.ofMinutes(5)));
        env.validate();
        return config;
    }
}
