package io.zonekeeper.common.config;

/**
 * The AWS request rates of the account Zonekeeper works in. Route53 gives an account one bucket, shared by the
 * provisioner and every ExternalDNS using the account: the fleet's ExternalDNS poll with {@code externalDnsShare}
 * of it and the provisioner has the rest. Read the same way by the provisioner (its token buckets, the fleet's
 * budget), the reaper (the month end's pacing) and {@code zk reaps}, so one configuration serves all three.
 *
 * @param route53PerSecond the account's Route53 rate ({@code ROUTE53_RATE_PER_SECOND})
 * @param route53Burst     its burst ({@code ROUTE53_BURST})
 * @param externalDnsShare the part of it the fleet polls with ({@code EXTERNAL_DNS_ROUTE53_SHARE})
 * @param iamPerSecond     the provisioner's IAM rate ({@code IAM_RATE_PER_SECOND})
 * @param iamBurst         its burst ({@code IAM_BURST})
 */
public record AwsRates(double route53PerSecond, int route53Burst, double externalDnsShare, double iamPerSecond,
                       int iamBurst) {

    /** Route53's documented rate per account; the defaults, as text for command-line options too. */
    public static final String DEFAULT_ROUTE53_PER_SECOND = "10";
    public static final String DEFAULT_EXTERNAL_DNS_SHARE = "0.5";
    public static final String DEFAULT_IAM_PER_SECOND = "10";

    public static AwsRates read(EnvReader env) {
        return new AwsRates(
                env.decimal("ROUTE53_RATE_PER_SECOND", Double.parseDouble(DEFAULT_ROUTE53_PER_SECOND), 0.01, 10_000),
                env.integer("ROUTE53_BURST", 50, 1, 100_000),
                env.decimal("EXTERNAL_DNS_ROUTE53_SHARE", Double.parseDouble(DEFAULT_EXTERNAL_DNS_SHARE), 0.01, 0.95),
                env.decimal("IAM_RATE_PER_SECOND", Double.parseDouble(DEFAULT_IAM_PER_SECOND), 0.01, 10_000),
                env.integer("IAM_BURST", 20, 1, 100_000));
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
