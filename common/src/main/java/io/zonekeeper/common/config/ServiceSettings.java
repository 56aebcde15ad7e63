package io.zonekeeper.common.config;

import io.zonekeeper.common.events.LifecycleEventRules;

/**
 * What every service is configured with, read the same way by each: who it is, its Kafka, the ingress it runs, the
 * rules lifecycle events must keep, its retries, its operations port, and where audit events and dead letters go.
 *
 * @param audit            the audit topic ({@code AUDIT_TOPIC})
 * @param deadLetterSuffix appended to a topic's name for its dead letters ({@code DLQ_SUFFIX})
 */
public record ServiceSettings(ServiceIdentity identity, KafkaSettings kafka, IngressSettings ingress,
                              LifecycleEventRules eventRules, RetrySettings retry, OpsSettings ops, String audit,
                              String deadLetterSuffix) {

    public static ServiceSettings read(EnvReader env, String service) {
        return new ServiceSettings(
                ServiceIdentity.read(env, service),
                KafkaSettings.read(env),
                IngressSettings.read(env),
                LifecycleEventRules.read(env),
                RetrySettings.read(env),
                OpsSettings.read(env),
                TopicSettings.AUDIT.read(env),
                TopicSettings.DEAD_LETTER_SUFFIX.read(env));
    }
}
