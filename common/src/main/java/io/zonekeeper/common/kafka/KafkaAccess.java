package io.zonekeeper.common.kafka;

import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.TopicSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The least each Kafka principal of an installation needs, as ACLs for a broker whose authorizer refuses what no ACL
 * allows. One place, so {@code zk acls}, the chart's Strimzi {@code KafkaUser} resources and the tests on the secured
 * broker grant the same thing. Every service may only write the topics it owns (its state, the audit topic, its own
 * commands, the dead letters of what it consumes) and read what it consumes; nothing here allows creating, deleting
 * or configuring a topic except the reaper's own internal topics, which Kafka Streams manages.
 */
public final class KafkaAccess {

    /** Who connects, with its default user name and, for a service, the name it stamps on its clients. */
    public enum Role {
        PROVISIONER("zonekeeper-provisioner", "provisioner-service"),
        CERT("zonekeeper-cert", "cert-service"),
        REAPER("zonekeeper-reaper", "reaper-service"),
        /** The upstream cluster provisioner: writes lifecycle events and certificate requests, reads nothing. */
        UPSTREAM("zonekeeper-upstream", null),
        /** Dashboards: read the audit and state topics, in consumer groups of their own prefix. */
        DASHBOARD("zonekeeper-dashboard", null),
        /** {@code zk}: reads every topic, publishes commands, events and redrives, moves the services' groups. */
        OPERATOR("zonekeeper-operator", null);

        private final String defaultUser;
        private final String service;

        Role(String defaultUser, String service) {
            this.defaultUser = defaultUser;
            this.service = service;
        }

        public String defaultUser() {
            return defaultUser;
        }

        /** The {@code ServiceIdentity} service name, which the ingress's transactional ids carry; null if none. */
        public String service() {
            return service;
        }

        /** Its command-line spelling: {@code provisioner}, {@code cert}... */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Every name the ACLs cover, as the services are configured: the same variables and defaults they read.
     *
     * @param dashboardGroupPrefix the prefix of the consumer groups dashboards may use
     */
    public record Names(String lifecycle, String lifecycleByOrg, String requests, String requestsByOrg, String reap,
                        String orgCommands, String certCommands, String orgDns, String clusterTls,
                        String orgClusters, String audit, String deadLetterSuffix, String ingressGroup,
                        String provisionerGroup, String certGroup, String reaperApplicationId,
                        String dashboardGroupPrefix) {

        public static Names defaults() {
            return new Names(TopicNames.LIFECYCLE, TopicNames.LIFECYCLE_BY_ORG, TopicNames.CERT_REQUESTS,
                    TopicNames.CERT_REQUESTS_BY_ORG, TopicNames.REAP, TopicNames.ORG_COMMANDS,
                    TopicNames.CERT_COMMANDS, TopicNames.ORG_DNS, TopicNames.CLUSTER_TLS, TopicNames.ORG_CLUSTERS,
                    TopicNames.AUDIT, TopicNames.DEAD_LETTER_SUFFIX, TopicNames.INGRESS_GROUP,
                    TopicNames.Consumer.PROVISIONER.group(), TopicNames.Consumer.CERT.group(),
                    TopicNames.Consumer.REAPER.group(), "zonekeeper-dashboard");
        }

        /**
         * The topic names from the variables the services read ({@code LIFECYCLE_TOPIC}, {@code AUDIT_TOPIC}...);
         * the groups keep their defaults, since two services read the same {@code CONSUMER_GROUP} variable.
         */
        public static Names read(EnvReader env) {
            Names d = defaults();
            return new Names(TopicSettings.LIFECYCLE.read(env),
                    TopicSettings.LIFECYCLE_BY_ORG.read(env),
                    TopicSettings.CERT_REQUESTS.read(env),
                    TopicSettings.CERT_REQUESTS_BY_ORG.read(env),
                    TopicSettings.REAP.read(env), TopicSettings.ORG_COMMANDS.read(env),
                    TopicSettings.CERT_COMMANDS.read(env), TopicSettings.ORG_DNS.read(env),
                    TopicSettings.TLS_STATE.read(env),
                    TopicSettings.ORG_CLUSTERS.read(env), TopicSettings.AUDIT.read(env),
                    TopicSettings.DEAD_LETTER_SUFFIX.read(env), TopicSettings.INGRESS_GROUP.read(env),
                    d.provisionerGroup, d.certGroup, d.reaperApplicationId, d.dashboardGroupPrefix);
        }

        public String deadLetters(String topic) {
            return topic + deadLetterSuffix;
        }

        /** The topics records are dead-lettered from, hence the dead-letter topics. */
        public List<String> inputs() {
            return List.of(lifecycle, reap, orgCommands, requests, certCommands);
        }

        List<String> all() {
            List<String> all = new ArrayList<>(List.of(lifecycle, lifecycleByOrg, requests, requestsByOrg, reap,
                    orgCommands, certCommands, orgDns, clusterTls, orgClusters, audit));
            inputs().forEach(topic -> all.add(deadLetters(topic)));
            return all;
        }
    }

    private KafkaAccess() {
    }

    /** The ACLs of {@code role}, granted to {@code User:<user>}. */
    public static List<AclBinding> acls(Role role, String user, Names names) {
        Grants grants = new Grants("User:" + user);
        switch (role) {
            case PROVISIONER -> {
                ingress(grants, names, role, List.of(new Route(names.lifecycle, names.lifecycleByOrg)));
                grants.consumes(names.provisionerGroup, names.lifecycleByOrg, names.reap, names.orgCommands);
                grants.reads(names.orgDns);
                // Its own commands: the fleet's ExternalDNS re-rolls and other per-organization steps.
                grants.writes(names.orgDns, names.audit, names.orgCommands);
                grants.writes(names.deadLetters(names.lifecycle), names.deadLetters(names.reap),
                        names.deadLetters(names.orgCommands));
            }
            case CERT -> {
                ingress(grants, names, role, List.of(new Route(names.lifecycle, names.lifecycleByOrg),
                        new Route(names.requests, names.requestsByOrg)));
                grants.consumes(names.certGroup, names.lifecycleByOrg, names.requestsByOrg, names.certCommands,
                        names.orgCommands);
                grants.reads(names.clusterTls);
                // Its own commands: renewals and rotation steps from its schedule.
                grants.writes(names.clusterTls, names.audit, names.certCommands);
                grants.writes(names.deadLetters(names.lifecycle), names.deadLetters(names.requests),
                        names.deadLetters(names.certCommands), names.deadLetters(names.orgCommands));
            }
            case REAPER -> {
                ingress(grants, names, role, List.of(new Route(names.lifecycle, names.lifecycleByOrg)));
                grants.consumes(names.reaperApplicationId, names.lifecycleByOrg, names.orgDns);
                grants.writes(names.orgClusters, names.reap, names.audit, names.deadLetters(names.lifecycle));
                // Kafka Streams names its changelog topics and transactional ids after the application id, and
                // creates, reads, writes and deletes those topics itself.
                grants.allow(ResourceType.TOPIC, names.reaperApplicationId + "-", PatternType.PREFIXED,
                        AclOperation.ALL);
                grants.allow(ResourceType.TRANSACTIONAL_ID, names.reaperApplicationId + "-", PatternType.PREFIXED,
                        AclOperation.WRITE, AclOperation.DESCRIBE);
            }
            case UPSTREAM -> grants.writes(names.lifecycle, names.requests);
            case DASHBOARD -> {
                grants.reads(names.audit, names.orgDns, names.clusterTls, names.orgClusters);
                grants.allow(ResourceType.GROUP, names.dashboardGroupPrefix, PatternType.PREFIXED, AclOperation.READ);
            }
            case OPERATOR -> {
                grants.reads(names.all().toArray(String[]::new));
                // Events and commands it publishes, and dead letters redriven to the topic they came from, with a
                // marker in the dead-letter topic.
                List<String> writes = new ArrayList<>(names.inputs());
                names.inputs().forEach(topic -> writes.add(names.deadLetters(topic)));
                grants.writes(writes.toArray(String[]::new));
                // zk replay moves a stopped service's group back.
                for (String group : List.of(names.provisionerGroup, names.certGroup, names.reaperApplicationId)) {
                    grants.allow(ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ,
                            AclOperation.DESCRIBE);
                }
            }
            default -> throw new IllegalArgumentException("unknown role " + role);
        }
        return grants.bindings;
    }

    private record Route(String from, String to) {
    }

    /**
     * The ingress every service runs: one group for every instance of every service, reading the upstream's topics
     * and writing the by-organization copies in transactions whose ids begin with the group and the service.
     */
    private static void ingress(Grants grants, Names names, Role role, List<Route> routes) {
        grants.allow(ResourceType.GROUP, names.ingressGroup, PatternType.LITERAL, AclOperation.READ);
        // Whichever member leads the group assigns the partitions of every topic any member subscribes to, so it must
        // see the metadata of all of them: a provisioner or reaper leading the group describes the cert requests the
        // cert service's members forward (found by the secured install test: the reaper's ingress stopped).
        grants.allow(ResourceType.TOPIC, names.lifecycle, PatternType.LITERAL, AclOperation.DESCRIBE);
        grants.allow(ResourceType.TOPIC, names.requests, PatternType.LITERAL, AclOperation.DESCRIBE);
        for (Route route : routes) {
            grants.reads(route.from);
            grants.writes(route.to);
        }
        grants.allow(ResourceType.TRANSACTIONAL_ID, names.ingressGroup + "-" + role.service() + "-",
                PatternType.PREFIXED, AclOperation.WRITE, AclOperation.DESCRIBE);
    }

    /** Collects bindings for one principal; READ and WRITE on a topic imply DESCRIBE, which clients also need. */
    private static final class Grants {

        private final String principal;
        private final List<AclBinding> bindings = new ArrayList<>();

        Grants(String principal) {
            this.principal = principal;
        }

        void consumes(String group, String... topics) {
            allow(ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ);
            reads(topics);
        }

        void reads(String... topics) {
            for (String topic : topics) {
                allow(ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ);
            }
        }

        void writes(String... topics) {
            for (String topic : topics) {
                allow(ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE);
            }
        }

        void allow(ResourceType type, String name, PatternType pattern, AclOperation... operations) {
            for (AclOperation operation : operations) {
                AclBinding binding = new AclBinding(new ResourcePattern(type, name, pattern),
                        new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
                if (!bindings.contains(binding)) {
                    bindings.add(binding);
                }
            }
        }
    }
}
