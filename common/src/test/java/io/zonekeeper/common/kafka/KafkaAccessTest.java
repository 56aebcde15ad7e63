package io.zonekeeper.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.common.kafka.KafkaAccess.Names;
import io.zonekeeper.common.kafka.KafkaAccess.Role;
import io.zonekeeper.testkit.kafka.SecuredKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ACLs each principal is given, against a broker whose {@code StandardAuthorizer} refuses what no ACL allows: what
 * a role needs passes, and what belongs to another role is refused by the broker itself. That the services run on
 * these ACLs and nothing more is shown by the secured install test, which runs them.
 */
class KafkaAccessTest {

    private static final Names NAMES = Names.defaults();
    private static SecuredKafka kafka;
    private static final Map<Role, String> PASSWORDS = new EnumMap<>(Role.class);

    @BeforeAll
    static void start() {
        kafka = SecuredKafka.start();
        for (String topic : NAMES.all()) {
            kafka.createTopic(topic, 1, false);
        }
        for (Role role : Role.values()) {
            PASSWORDS.put(role, kafka.createUser(role.defaultUser()));
            kafka.allow(KafkaAccess.acls(role, role.defaultUser(), NAMES));
        }
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void theUpstreamWritesLifecycleEventsAndRequestsAndNothingElse() throws Exception {
        send(Role.UPSTREAM, NAMES.lifecycle());
        send(Role.UPSTREAM, NAMES.requests());

        assertRefused(Role.UPSTREAM, NAMES.orgCommands());
        assertRefused(Role.UPSTREAM, NAMES.lifecycleByOrg());
        assertRefused(Role.UPSTREAM, NAMES.reap());
    }

    @Test
    void aServiceWritesWhatItOwnsAndIsRefusedAnotherServicesTopics() throws Exception {
        send(Role.CERT, NAMES.certCommands());
        send(Role.CERT, NAMES.clusterTls());
        send(Role.PROVISIONER, NAMES.orgDns());
        send(Role.REAPER, NAMES.reap());

        assertRefused(Role.CERT, NAMES.reap());
        assertRefused(Role.CERT, NAMES.orgDns());
        assertRefused(Role.PROVISIONER, NAMES.clusterTls());
        assertRefused(Role.PROVISIONER, NAMES.reap());
        assertRefused(Role.REAPER, NAMES.orgDns());
    }

    @Test
    void aDashboardReadsOutputsInItsOwnGroupsAndNotTheInputsOrAServicesGroup() {
        assertThat(read(Role.DASHBOARD, NAMES.audit(), "zonekeeper-dashboard-audit")).isTrue();

        assertThatThrownBy(() -> read(Role.DASHBOARD, NAMES.lifecycle(), "zonekeeper-dashboard-audit"))
                .isInstanceOf(TopicAuthorizationException.class);
        assertThatThrownBy(() -> read(Role.DASHBOARD, NAMES.audit(), NAMES.provisionerGroup()))
                .isInstanceOf(GroupAuthorizationException.class);
    }

    @Test
    void noRoleMayCreateDeleteOrConfigureATopicButTheReaperItsOwnInternalOnes() {
        for (Role role : Role.values()) {
            for (AclBinding binding : KafkaAccess.acls(role, role.defaultUser(), NAMES)) {
                AclOperation operation = binding.entry().operation();
                if (operation == AclOperation.READ || operation == AclOperation.WRITE
                        || operation == AclOperation.DESCRIBE) {
                    continue;
                }
                assertThat(role).as(binding.toString()).isEqualTo(Role.REAPER);
                assertThat(binding.pattern().resourceType()).isEqualTo(ResourceType.TOPIC);
                assertThat(binding.pattern().patternType()).isEqualTo(PatternType.PREFIXED);
                assertThat(binding.pattern().name()).isEqualTo(NAMES.reaperApplicationId() + "-");
            }
            assertThat(KafkaAccess.acls(role, role.defaultUser(), NAMES))
                    .allSatisfy(binding -> assertThat(binding.pattern().resourceType())
                            .isNotEqualTo(ResourceType.CLUSTER));
        }
    }

    @Test
    void everyServiceMayDescribeEveryTopicTheIngressGroupForwardsSinceWhicheverMemberLeadsAssignsThemAll() {
        for (Role role : List.of(Role.PROVISIONER, Role.CERT, Role.REAPER)) {
            for (String upstream : List.of(NAMES.lifecycle(), NAMES.requests())) {
                assertThat(KafkaAccess.acls(role, role.defaultUser(), NAMES)).as(role + " on " + upstream)
                        .anyMatch(binding -> binding.pattern().name().equals(upstream)
                                && binding.entry().operation() == AclOperation.DESCRIBE);
            }
        }
    }

    @Test
    void eachStateTopicHasOneWriter() {
        for (String state : List.of(NAMES.orgDns(), NAMES.clusterTls(), NAMES.orgClusters())) {
            List<Role> writers = new ArrayList<>();
            for (Role role : Role.values()) {
                if (KafkaAccess.acls(role, role.defaultUser(), NAMES).stream().anyMatch(binding ->
                        binding.pattern().name().equals(state) && binding.entry().operation() == AclOperation.WRITE)) {
                    writers.add(role);
                }
            }
            assertThat(writers).as(state).hasSize(1);
        }
    }

    private static void send(Role role, String topic) throws Exception {
        try (var producer = producer(role)) {
            producer.send(new ProducerRecord<>(topic, bytes("org"), bytes("value"))).get(30, TimeUnit.SECONDS);
        }
    }

    private static void assertRefused(Role role, String topic) {
        try (var producer = producer(role)) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, bytes("org"), bytes("value")))
                    .get(30, TimeUnit.SECONDS))
                    .as("%s writing %s", role, topic)
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(TopicAuthorizationException.class).hasMessageContaining(topic);
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(Role role) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig(role.defaultUser(), PASSWORDS.get(role)));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Polls {@code topic} in {@code group} until its assignment arrives; true once assigned. */
    private static boolean read(Role role, String topic, String group) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig(role.defaultUser(), PASSWORDS.get(role)));
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.assignment().isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200));
            }
            return !consumer.assignment().isEmpty();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
