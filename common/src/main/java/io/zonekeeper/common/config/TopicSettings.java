package io.zonekeeper.common.config;

import io.zonekeeper.common.kafka.TopicNames;

/**
 * The topic and group names a Zonekeeper process reads from its environment, each declared once: the services, the
 * ACLs {@code zk acls} grants ({@code KafkaAccess.Names}) and the local run read the same variables with the same
 * defaults ({@link TopicNames}).
 */
public final class TopicSettings {

    public static final Setting<String> LIFECYCLE = Setting.text("LIFECYCLE_TOPIC", TopicNames.LIFECYCLE,
            "the upstream's lifecycle topic, which every service's ingress reads");
    public static final Setting<String> LIFECYCLE_BY_ORG = Setting.text("LIFECYCLE_BY_ORG_TOPIC",
            TopicNames.LIFECYCLE_BY_ORG, "where the ingress puts lifecycle events, partitioned as Java's client does");
    public static final Setting<String> CERT_REQUESTS = Setting.text("CERT_REQUESTS_TOPIC", TopicNames.CERT_REQUESTS,
            "the upstream's certificate requests, which the cert service's ingress reads");
    public static final Setting<String> CERT_REQUESTS_BY_ORG = Setting.text("CERT_REQUESTS_BY_ORG_TOPIC",
            TopicNames.CERT_REQUESTS_BY_ORG, "where the ingress puts certificate requests");
    public static final Setting<String> INGRESS_GROUP = Setting.text("INGRESS_GROUP", TopicNames.INGRESS_GROUP,
            "the ingress's consumer group, shared by every instance of every service");
    public static final Setting<String> REAP = Setting.text("REAP_TOPIC", TopicNames.REAP,
            "the reaper's commands to delete an unused zone");
    public static final Setting<String> ORG_COMMANDS = Setting.text("ORG_COMMANDS_TOPIC", TopicNames.ORG_COMMANDS,
            "per-organization commands (reconciles, ExternalDNS re-rolls)");
    public static final Setting<String> CERT_COMMANDS = Setting.text("CERT_COMMANDS_TOPIC", TopicNames.CERT_COMMANDS,
            "renewals and CA rotation steps");
    public static final Setting<String> ORG_DNS = Setting.text("ORG_DNS_TOPIC", TopicNames.ORG_DNS,
            "compacted: each organization's zone, key and clusters");
    public static final Setting<String> TLS_STATE = Setting.text("TLS_STATE_TOPIC", TopicNames.CLUSTER_TLS,
            "compacted: each certificate's state");
    public static final Setting<String> ORG_CLUSTERS = Setting.text("ORG_CLUSTERS_TOPIC", TopicNames.ORG_CLUSTERS,
            "compacted: each organization's running clusters, as the reaper counts them");
    public static final Setting<String> AUDIT = Setting.text("AUDIT_TOPIC", TopicNames.AUDIT,
            "one event per external mutation or refusal");
    public static final Setting<String> DEAD_LETTER_SUFFIX = Setting.text("DLQ_SUFFIX", TopicNames.DEAD_LETTER_SUFFIX,
            "dead letters of topic T go to T + suffix");

    private TopicSettings() {
    }
}
