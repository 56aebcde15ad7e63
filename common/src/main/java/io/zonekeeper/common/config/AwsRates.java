package io.zonekeeper.common.config;

/**
 * The AWS request rates of the account Zonekeeper works in. Route53 gives an account one bucket, shared by the
 * provisioner and every ExternalDNS using the account: the fleet's ExternalDNS poll with {@code externalDnsShare}
 * of it and the provisioner has the rest. Read the same way by the provisioner (its token buckets, the fleet's
 * budget), the reaper (the month end's pacing) and {@code zk reaps}, so one configuration serves all three.
 */
public record AwsRates(double route53PerSecond, int route53Burst, double externalDnsShare, double iamPerSecond,
                       int iamBurst) {

    public static final Setting<Double> ROUTE53_PER_SECOND = Setting.decimal("ROUTE53_RATE_PER_SECOND", 10, 0.01,
            10_000, "the account's Route53 requests per second (Route53's documented rate)");
    public static final Setting<Integer> ROUTE53_BURST = Setting.integer("ROUTE53_BURST", 50, 1, 100_000,
            "the account's Route53 burst");
    public static final Setting<Double> EXTERNAL_DNS_SHARE = Setting.decimal("EXTERNAL_DNS_ROUTE53_SHARE", 0.5, 0.01,
            0.95, "the part of the account's Route53 rate the fleet's ExternalDNS poll with; the provisioner has the"
                    + " rest");
    public static final Setting<Double> IAM_PER_SECOND = Setting.decimal("IAM_RATE_PER_SECOND", 10, 0.01, 10_000,
            "the provisioner's IAM requests per second");
    public static final Setting<Integer> IAM_BURST = Setting.integer("IAM_BURST", 20, 1, 100_000,
            "the provisioner's IAM burst");

    public static AwsRates read(EnvReader env) {
        return new AwsRates(ROUTE53_PER_SECOND.read(env), ROUTE53_BURST.read(env), EXTERNAL_DNS_SHARE.read(env),
                IAM_PER_SECOND.read(env), IAM_BURST.read(env));
    }

    /** The provisioner's own Route53 rate: what the fleet leaves. */
    public double provisionerRoute53PerSecond() {
        return route53PerSecond * (1 - externalDnsShare);
    }

    /** The provisioner's own Route53 burst, in the same proportion. */
    public long provisionerRoute53Burst() {
        return Math.max(1, Math.round(route53Burst * (1 - externalDnsShare)));
    }
}
