package io.zonekeeper.common.kafka;

import io.zonekeeper.common.retry.Causes;
import java.util.Optional;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

/**
 * Says what the broker refused when a service's principal lacks an ACL or its credentials, in words an operator can act
 * on. A refusal is fatal (the service stops and reports unhealthy, never dead-letters), and Kafka's own messages do not
 * always name the resource (a transactional id's refusal names none).
 */
public final class KafkaRefusals {

    private static final String REMEDY = "; grant this service's principal the ACLs `zk acls --role <service>` prints"
            + " (README: \"A secured Kafka\")";

    private KafkaRefusals() {
    }

    /** What was refused and how to fix it, or empty when {@code failure} is not a refusal by the broker. */
    public static Optional<String> explain(Throwable failure) {
        for (Throwable cause : Causes.of(failure)) {
            if (cause instanceof TopicAuthorizationException topics) {
                return Optional.of("Kafka refused access to topics " + topics.unauthorizedTopics() + REMEDY);
            }
            if (cause instanceof GroupAuthorizationException group) {
                return Optional.of("Kafka refused access to consumer group " + group.groupId() + REMEDY);
            }
            if (cause instanceof TransactionalIdAuthorizationException) {
                return Optional.of("Kafka refused a transactional id (the ingress's <group>-<service>- prefix, or the"
                        + " reaper's <application id>- prefix)" + REMEDY);
            }
            if (cause instanceof ClusterAuthorizationException) {
                return Optional.of("Kafka refused a cluster operation: " + cause.getMessage() + REMEDY);
            }
            if (cause instanceof AuthorizationException) {
                return Optional.of("Kafka refused: " + cause.getMessage() + REMEDY);
            }
            if (cause instanceof AuthenticationException) {
                // Kafka's authentication messages name the mechanism, never the password.
                return Optional.of("Kafka did not authenticate this service: " + cause.getMessage()
                        + "; check its KAFKA_CLIENT_SASL_* settings and the password they read");
            }
        }
        return Optional.empty();
    }

    /** {@link #explain}, or the failure itself for anything else. */
    public static String describe(Throwable failure) {
        return explain(failure).orElseGet(failure::toString);
    }
}
