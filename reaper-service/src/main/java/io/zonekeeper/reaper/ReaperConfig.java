package io.zonekeeper.reaper;

import io.zonekeeper.common.config.AwsRates;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.config.ServiceSettings;
import io.zonekeeper.common.config.Setting;
import io.zonekeeper.common.config.TopicSettings;
import io.zonekeeper.common.kafka.TopicNames;
import java.time.Duration;
import java.util.Optional;

/** Everything the reaper is configured with, read from the environment in one place. */
public record ReaperConfig(
        ServiceSettings service,
        Topics topics,
        String applicationId,
        String stateDir,
        int standbyReplicas,
        Optional<String> groupInstanceId,
        Reaping reaping,
        Duration punctuateEvery,
        String queryAdvertisedHost) {

    public static final String SERVICE = RunningClustersProcessor.SERVICE;

    public static final Setting<Duration> SAFETY_MARGIN = Setting.duration("REAP_SAFETY_MARGIN", "15m",
            "taken off Route53's 12-hour free window");
    public static final Setting<Duration> MONTH_END_MARGIN = Setting.duration("REAP_MONTH_END_MARGIN", "15m",
            "the last of a month's paid-for unused zones is commanded this long before the month ends");
    public static final Setting<String> APPLICATION_ID = Setting.text("APPLICATION_ID", TopicNames.Consumer.REAPER.group(),
            "Streams application id");
    public static final Setting<String> STATE_DIR = Setting.text("STATE_DIR",
            System.getProperty("java.io.tmpdir") + "/zonekeeper-reaper", "RocksDB state; use a persistent volume");
    public static final Setting<Integer> STANDBY_REPLICAS = Setting.integer("STANDBY_REPLICAS", 0, 0, 10,
            "warm copies of the stores on other instances");
    public static final Setting<Optional<String>> GROUP_INSTANCE_ID = Setting.optional("GROUP_INSTANCE_ID",
            "static membership: a stable id per instance");
    public static final Setting<Duration> PUNCTUATE_EVERY = Setting.duration("PUNCTUATE_EVERY", "1m",
            "how often due reaps are commanded, in the service clock's time");
    public static final Setting<String> QUERY_ADVERTISED_HOST = Setting.text("QUERY_ADVERTISED_HOST",
            ServiceIdentity.hostName(), "how other instances reach this one's HTTP_PORT");

    /** The reaper's topics; every name is configuration. */
    public record Topics(String lifecycle, String orgDns, String orgClusters, String reap, String audit) {

        public static Topics defaults() {
            return new Topics(TopicNames.LIFECYCLE_BY_ORG, TopicNames.ORG_DNS, TopicNames.ORG_CLUSTERS,
                    TopicNames.REAP, TopicNames.AUDIT);
        }
    }

    /**
     * What the reap policy is made of: the free window's safety margin, the month end's margin, and the
     * provisioner's own Route53 and IAM rates, which pace the month end.
     */
    public record Reaping(Duration safetyMargin, Duration monthEndMargin, double route53Rate, double iamRate) {

        /** The policy for {@code tasks} tasks (lifecycle partitions) commanding month-end reaps at once. */
        public ReapPolicy policy(int tasks) {
            return new ReapPolicy(ReapPolicy.ROUTE53_FREE_WINDOW, safetyMargin,
                    ReapPolicy.MonthEnd.justInTime(monthEndMargin, route53Rate, iamRate, tasks));
        }
    }

    public static ReaperConfig read(EnvReader env) {
        Duration margin = SAFETY_MARGIN.read(env);
        Duration monthEndMargin = MONTH_END_MARGIN.read(env);
        if (margin.compareTo(ReapPolicy.ROUTE53_FREE_WINDOW) >= 0) {
            env.problem("REAP_SAFETY_MARGIN must be shorter than the 12-hour free window");
        }
        if (monthEndMargin.compareTo(Duration.ofDays(27)) > 0) {
            env.problem("REAP_MONTH_END_MARGIN must fit in the shortest month");
        }
        // The provisioner's rates, read from the same variables it reads, so one configuration serves both.
        AwsRates rates = AwsRates.read(env);
        ServiceSettings service = ServiceSettings.read(env, SERVICE);
        var config = new ReaperConfig(
                service,
                new Topics(
                        service.ingress().lifecycleByOrg(),
                        TopicSettings.ORG_DNS.read(env),
                        TopicSettings.ORG_CLUSTERS.read(env),
                        TopicSettings.REAP.read(env),
                        service.audit()),
                APPLICATION_ID.read(env),
                STATE_DIR.read(env),
                STANDBY_REPLICAS.read(env),
                GROUP_INSTANCE_ID.read(env),
                new Reaping(margin, monthEndMargin, rates.provisionerRoute53PerSecond(), rates.iamPerSecond()),
                PUNCTUATE_EVERY.read(env),
                QUERY_ADVERTISED_HOST.read(env));
        // Every problem above, reported together; no value is used after one.
        env.validate();
        return config;
    }
}
