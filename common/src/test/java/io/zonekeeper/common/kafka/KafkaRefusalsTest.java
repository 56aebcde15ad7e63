package io.zonekeeper.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.junit.jupiter.api.Test;

class KafkaRefusalsTest {

    @Test
    void aRefusedTopicIsNamedWhereverItSitsInTheCauseChain() {
        var refused = new ExecutionException(new TopicAuthorizationException(Set.of("zone.reap.v1")));

        assertThat(KafkaRefusals.explain(new IllegalStateException("publishing", refused))).hasValueSatisfying(
                message -> assertThat(message).contains("[zone.reap.v1]").contains("zk acls"));
    }

    @Test
    void aRefusedGroupOrTransactionalIdIsNamed() {
        assertThat(KafkaRefusals.explain(GroupAuthorizationException.forGroupId("zonekeeper-cert")))
                .hasValueSatisfying(message -> assertThat(message).contains("consumer group zonekeeper-cert"));
        assertThat(KafkaRefusals.explain(new TransactionalIdAuthorizationException("Transactional Id authorization"
                + " failed."))).hasValueSatisfying(message -> assertThat(message).contains("transactional id"));
    }

    @Test
    void failedAuthenticationPointsAtTheCredentialsSettings() {
        assertThat(KafkaRefusals.explain(new SaslAuthenticationException("Authentication failed during"
                + " authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512")))
                .hasValueSatisfying(message -> assertThat(message).contains("KAFKA_CLIENT_SASL_"));
    }

    @Test
    void anythingElseIsNoRefusal() {
        IOException other = new IOException("connection reset");

        assertThat(KafkaRefusals.explain(other)).isEmpty();
        assertThat(KafkaRefusals.describe(other)).isEqualTo(other.toString());
    }
}
