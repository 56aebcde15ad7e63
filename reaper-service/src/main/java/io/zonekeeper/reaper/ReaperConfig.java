package io.zonekeeper.reaper;

import io.zonekeeper.common.config.AwsRates;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.config.ServiceSettings;
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
        Duration margin = env.duration("REAP_SAFETY_MARGIN", Duration.ofMinutes(15));
        Duration monthEndMargin = env.duration("REAP_MONTH_END_MARGIN", Duration.ofMinutes(15));
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
                        env.optional("ORG_DNS_TOPIC", TopicNames.ORG_DNS),
                        env.optional("ORG_CLUSTERS_TOPIC", TopicNames.ORG_CLUSTERS),
                        env.optional("REAP_TOPIC", TopicNames.REAP),
                        service.audit()),
                env.optional("APPLICATION_ID", TopicNames.Consumer.REAPER.group()),
                env.optional("STATE_DIR", System.getProperty("java.io.tmpdir") + "/zonekeeper-reaper"),
                env.integer("STANDBY_REPLICAS", 0, 0, 10),
                env.optional("GROUP_INSTANCE_ID"),
                new Reaping(margin, monthEndMargin, rates.provisionerRoute53PerSecond(), rates.iamPerSecond()),
                env.duration("PUNCTUATE_EVERY", Duration.ofMinutes(1)),
                env.optional("QUERY_ADVERTISED_HOST", ServiceIdentity.hostName()));
        // Every problem above, reported together; no value is used after one.
        env.validate();
        return config;
    }
}
