package io.zonekeeper.common.kafka;

import java.util.List;

/**
 * The default name of every topic and consumer group, in one place. The services' configs take them as the defaults
 * of their settings ({@code LIFECYCLE_TOPIC}, {@code CONSUMER_GROUP}...), and {@code zk} and the local run read them,
 * so a topic a service starts consuming is one an operator's replay or the live view cannot miss.
 */
public final class TopicNames {

    /** Cluster lifecycle events from the upstream provisioner, keyed by organization id. */
    public static final String LIFECYCLE = "cluster.lifecycle.v1";
    /**
     * Zonekeeper's copy of {@link #LIFECYCLE}, each record in the partition Kafka's Java client gives its key, whatever
     * partitioner the upstream used: what every service consumes (written by the {@link Ingress}).
     */
    public static final String LIFECYCLE_BY_ORG = "cluster.lifecycle.by-org.v1";
    /** The reaper's commands to delete an unused zone. */
    public static final String REAP = "zone.reap.v1";
    /** Operators' (and the provisioner's own) per-organization commands, read by the provisioner and the cert service. */
    public static final String ORG_COMMANDS = "org.commands.v1";
    /** Extra names asked for a cluster's certificate. */
    public static final String CERT_REQUESTS = "cert.requests.v1";
    /** Zonekeeper's copy of {@link #CERT_REQUESTS}, partitioned as {@link #LIFECYCLE_BY_ORG} is. */
    public static final String CERT_REQUESTS_BY_ORG = "cert.requests.by-org.v1";
    /** The consumer group of the {@link Ingress}, shared by every instance of every service. */
    public static final String INGRESS_GROUP = "zonekeeper-ingress";
    /** Renewals and CA rotations, from the cert service's schedule and from operators. */
    public static final String CERT_COMMANDS = "cert.commands.v1";
    /** Compacted: each organization's zone, key and clusters, as the provisioner applied them. */
    public static final String ORG_DNS = "org.dns.v1";
    /** Compacted: each cluster certificate's state. */
    public static final String CLUSTER_TLS = "cluster.tls.v1";
    /** Compacted: each organization's running clusters, as the reaper counts them. */
    public static final String ORG_CLUSTERS = "org.clusters.v1";
    /** One event per external mutation or refusal, for dashboards. */
    public static final String AUDIT = "audit.v1";
    /** Appended to an input topic's name to name its dead-letter topic. */
    public static final String DEAD_LETTER_SUFFIX = ".dlq";

    /**
     * Every topic records are dead-lettered from (the compacted state topics are read, not consumed as input). A
     * record read from a by-organization topic is dead-lettered under the upstream topic it was written to.
     */
    public static final List<String> INPUTS = List.of(LIFECYCLE, REAP, ORG_COMMANDS, CERT_REQUESTS, CERT_COMMANDS);
    /** The topics the {@link Ingress} writes, one per upstream topic, created with the others' partition count. */
    public static final List<String> BY_ORG = List.of(LIFECYCLE_BY_ORG, CERT_REQUESTS_BY_ORG);
    /** The compacted state topics. */
    public static final List<String> STATES = List.of(ORG_DNS, CLUSTER_TLS, ORG_CLUSTERS);

    private TopicNames() {
    }

    /** The dead-letter topic of {@code topic} under the default suffix. */
    public static String deadLetters(String topic) {
        return topic + DEAD_LETTER_SUFFIX;
    }

    /** Each service's consumer group (the reaper's is its Streams application id) and the topics it consumes. */
    public enum Consumer {
        PROVISIONER("zonekeeper-provisioner", List.of(LIFECYCLE_BY_ORG, REAP, ORG_COMMANDS)),
        CERT("zonekeeper-cert", List.of(LIFECYCLE_BY_ORG, CERT_REQUESTS_BY_ORG, CERT_COMMANDS, ORG_COMMANDS)),
        REAPER("zonekeeper-reaper", List.of(LIFECYCLE_BY_ORG, ORG_DNS));

        private final String group;
        private final List<String> topics;

        Consumer(String group, List<String> topics) {
            this.group = group;
            this.topics = topics;
        }

        public String group() {
            return group;
        }

        public List<String> topics() {
            return topics;
        }
    }
}
