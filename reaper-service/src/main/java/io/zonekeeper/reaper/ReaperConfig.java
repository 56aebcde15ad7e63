package io.zonekeeper.reaper;

import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.OpsSettings;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.kafka.TopicNames;
import java.time.Duration;

/** Everything the reaper is configured with, read from the environment in one place. */
public record ReaperConfig(
        ServiceIdentity identity,
        KafkaSettings kafka,
        RetrySettings retry,
        OpsSettings ops,
        Topics topics,
        String deadLetterSuffix,
        String applicationId,
        String stateDir,
        int standbyReplicas,
        ReapPolicy policy,
        Duration punctuateEvery,
        Duration maxClockSkew,
        String queryAdvertisedHost) {

    public static final String SERVICE = RunningClustersProcessor.SERVICE;

    public static ReaperConfig read(EnvReader env) {
        Duration margin = env.duration("REAP_SAFETY_MARGIN", Duration.ofMinutes(15));
        Duration window = env.duration("REAP_MONTH_END_WINDOW", Duration.ofHours(6));
        if (margin.compareTo(ReapPolicy.ROUTE53_FREE_WINDOW) >= 0) {
            env.problem("REAP_SAFETY_MARGIN must be shorter than the 12-hour free window");
        }
        if (window.compareTo(Duration.ofDays(27)) > 0) {
            env.problem("REAP_MONTH_END_WINDOW must fit in the shortest month");
        }
        var config = new ReaperConfig(
                ServiceIdentity.read(env, SERVICE),
                KafkaSettings.read(env),
                RetrySettings.read(env),
                OpsSettings.read(env),
                new Topics(
                        env.optional("LIFECYCLE_TOPIC", TopicNames.LIFECYCLE),
                        env.optional("ORG_DNS_TOPIC", TopicNames.ORG_DNS),
                        env.optional("ORG_CLUSTERS_TOPIC", TopicNames.ORG_CLUSTERS),
                        env.optional("REAP_TOPIC", TopicNames.REAP),
                        env.optional("AUDIT_TOPIC", TopicNames.AUDIT)),
                env.optional("DLQ_SUFFIX", TopicNames.DEAD_LETTER_SUFFIX),
                env.optional("APPLICATION_ID", TopicNames.Consumer.REAPER.group()),
                env.optional("STATE_DIR", System.getProperty("java.io.tmpdir") + "/zonekeeper-reaper"),
                env.integer("STANDBY_REPLICAS", 0, 0, 10),
                new ReapPolicy(ReapPolicy.ROUTE53_FREE_WINDOW,
                        margin.compareTo(ReapPolicy.ROUTE53_FREE_WINDOW) >= 0 ? Duration.ofMinutes(15) : margin,
                        window.compareTo(Duration.ofDays(27)) > 0 ? Duration.ofHours(6) : window),
                env.duration("PUNCTUATE_EVERY", Duration.ofMinutes(1)),
                env.duration("MAX_CLOCK_SKEW", Duration.ofHours(1)),
                env.optional("QUERY_ADVERTISED_HOST", ServiceIdentity.hostName()));
        env.validate();
        return config;
    }
}
