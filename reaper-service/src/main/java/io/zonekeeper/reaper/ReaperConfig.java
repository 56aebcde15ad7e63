package io.zonekeeper.reaper;

import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.events.LifecycleEventRules;
import io.zonekeeper.common.config.IngressSettings;
import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.OpsSettings;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.kafka.TopicNames;
import java.time.Duration;
import java.util.Optional;

/** Everything the reaper is configured with, read from the environment in one place. */
public record ReaperConfig(
        ServiceIdentity identity,
        KafkaSettings kafka,
        IngressSettings ingress,
        LifecycleEventRules eventRules,
        RetrySettings retry,
        OpsSettings ops,
        Topics topics,
        String deadLetterSuffix,
        String applicationId,
        String stateDir,
        int standbyReplicas,
        Optional<String> groupInstanceId,
        Reaping reaping,
        Duration punctuateEvery,
        String queryAdvertisedHost) {

    public static final String SERVICE = RunningClustersProcessor.SERVICE;

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
        double route53Rate = env.decimal("ROUTE53_RATE_PER_SECOND", 10, 0.01, 10_000)
                * (1 - env.decimal("EXTERNAL_DNS_ROUTE53_SHARE", 0.5, 0.01, 0.95));
        double iamRate = env.decimal("IAM_RATE_PER_SECOND", 10, 0.01, 10_000);
        IngressSettings ingress = IngressSettings.read(env);
        var config = new ReaperConfig(
                ServiceIdentity.read(env, SERVICE),
                KafkaSettings.read(env),
                ingress,
                LifecycleEventRules.read(env),
                RetrySettings.read(env),
                OpsSettings.read(env),
                new Topics(
                        ingress.lifecycleByOrg(),
                        env.optional("ORG_DNS_TOPIC", TopicNames.ORG_DNS),
                        env.optional("ORG_CLUSTERS_TOPIC", TopicNames.ORG_CLUSTERS),
                        env.optional("REAP_TOPIC", TopicNames.REAP),
                        env.optional("AUDIT_TOPIC", TopicNames.AUDIT)),
                env.optional("DLQ_SUFFIX", TopicNames.DEAD_LETTER_SUFFIX),
                env.optional("APPLICATION_ID", TopicNames.Consumer.REAPER.group()),
                env.optional("STATE_DIR", System.getProperty("java.io.tmpdir") + "/zonekeeper-reaper"),
                env.integer("STANDBY_REPLICAS", 0, 0, 10),
                env.optional("GROUP_INSTANCE_ID"),
                new Reaping(margin.compareTo(ReapPolicy.ROUTE53_FREE_WINDOW) >= 0 ? Duration.ofMinutes(15) : margin,
                        monthEndMargin.compareTo(Duration.ofDays(27)) > 0 ? Duration.ofMinutes(15) : monthEndMargin,
                        route53Rate, iamRate),
                env.duration("PUNCTUATE_EVERY", Duration.ofMinutes(1)),
                env.optional("QUERY_ADVERTISED_HOST", ServiceIdentity.hostName()));
        env.validate();
        return config;
    }
}
