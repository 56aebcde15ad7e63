package io.zonekeeper.provisioner;

import io.zonekeeper.common.aws.AwsClients;
import io.zonekeeper.common.config.AwsRates;
import io.zonekeeper.common.config.AwsSettings;
import io.zonekeeper.common.config.ConsumerSettings;
import io.zonekeeper.common.config.DomainSetting;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.KubernetesSettings;
import io.zonekeeper.common.config.Secret;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
        Duration quotaRefresh,
        Accounts accounts) {

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
            "how often each account's quotas are read");
    public static final Setting<String> ACCOUNT_ROLES = Setting.text("AWS_ACCOUNT_ROLES", "",
            "the pool: comma-separated ARNs of a role in each account new organizations go into; empty: the own account");
    public static final Setting<Optional<Secret>> ROLE_EXTERNAL_ID = Setting.optionalSecret("AWS_ROLE_EXTERNAL_ID",
            "the external id the pool's roles require (sts:ExternalId)");
    public static final Setting<Optional<String>> PARENT_ZONE_ACCOUNT = Setting.optional("PARENT_ZONE_ACCOUNT",
            "the pool's account (12-digit id) holding PARENT_ZONE_ID; unset: the provisioner's own account");
    public static final Setting<Integer> ACCOUNT_MAX_ZONES = Setting.integer("AWS_ACCOUNT_MAX_ZONES", 0, 0, 1_000_000,
            "at most this many hosted zones per account (0: Route53's quota alone); bounds the zone names a tenant can list");
    /** How the pool's roles are assumed: the session name CloudTrail shows for every call in a pool account. */
    static final String ROLE_SESSION_NAME = "zonekeeper-provisioner";
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::(\\d{12}):role/[\\w+=,.@/-]+");

    /**
     * The pool of accounts ({@code roles}: one role per account, empty for the own account alone), the account
     * of the parent zone (empty: the own account), and the most hosted zones Zonekeeper fills an account with (0: as
     * many as Route53's quota allows).
     */
    public record Accounts(Map<String, AwsClients.AssumedRole> roles, Optional<String> parentZoneAccount, int maxZones) {

        /** {@code roles}: by the 12-digit id of the account each is in, in the order configured. */
        public Accounts {
            roles = Collections.unmodifiableMap(new LinkedHashMap<>(roles));
        }
    }

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
        Accounts accounts = readAccounts(env, delegationSet);
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
                QUOTA_REFRESH.read(env),
                accounts);
        env.validate();
        return config;
    }

    private static Accounts readAccounts(EnvReader env, String delegationSet) {
        Optional<Secret> externalId = ROLE_EXTERNAL_ID.read(env);
        Map<String, AwsClients.AssumedRole> roles = new LinkedHashMap<>();
        for (String arn : ACCOUNT_ROLES.read(env).split(",")) {
            if (arn.isBlank()) {
                continue;
            }
            Matcher role = ROLE_ARN.matcher(arn.strip());
            if (!role.matches()) {
                env.problem("AWS_ACCOUNT_ROLES holds role ARNs (arn:aws:iam::<account>:role/<name>), not '"
                        + arn.strip() + "'");
            } else if (roles.containsKey(role.group(1))) {
                env.problem("AWS_ACCOUNT_ROLES names account " + role.group(1) + " twice: one role per account");
            } else {
                roles.put(role.group(1), new AwsClients.AssumedRole(arn.strip(), ROLE_SESSION_NAME, externalId));
            }
        }
        Optional<String> parentAccount = PARENT_ZONE_ACCOUNT.read(env);
        if (parentAccount.isPresent() && !roles.containsKey(parentAccount.get())) {
            env.problem("PARENT_ZONE_ACCOUNT must be the account of one of AWS_ACCOUNT_ROLES, not '"
                    + parentAccount.get() + "'; unset, the parent zone is in the provisioner's own account");
        }
        if (roles.size() > 1 && !delegationSet.equals(DelegationSetPool.AUTO)
                && !delegationSet.equals(DelegationSetPool.NONE)) {
            env.problem("DELEGATION_SET_ID names one account's set; with a pool of accounts it is 'auto' or 'none'");
        }
        return new Accounts(roles, parentAccount, ACCOUNT_MAX_ZONES.read(env));
    }
}
