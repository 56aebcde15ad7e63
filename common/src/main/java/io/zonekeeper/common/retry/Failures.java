package io.zonekeeper.common.retry;

import io.zonekeeper.common.aws.AwsErrors;
import io.zonekeeper.common.kubernetes.KubernetesErrors;
import io.zonekeeper.common.serde.SchemaRegistryUnavailableException;
import io.zonekeeper.common.vault.VaultErrors;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * The one classification of a failure, by its whole cause chain, into what the consumer does with the record:
 * <ul>
 *   <li><b>transient</b>: a dependency is throttling, down, slow or refusing this installation for now (AWS, Vault,
 *       a cluster's API server, the schema registry, a Kafka broker, including a state, audit or dead-letter
 *       publish that timed out). The key waits and the record is processed again; its effects may already be
 *       applied, which the handlers' idempotency makes safe. Never dead-lettered.
 *   <li><b>fatal</b>: the process cannot go on (the JVM is out of memory or broken, the producer was fenced by
 *       another instance, Kafka refuses this service's credentials). The consumer stops without committing the
 *       record and reports itself unhealthy. Never dead-lettered: the record is not at fault.
 *   <li><b>permanent</b>: anything else; the record is dead-lettered with the reason.
 * </ul>
 * Transient is looked for along the whole chain because the clients wrap: Spring Vault wraps I/O in
 * {@code ResourceAccessException}, a failed publish surfaces as the {@code IllegalStateException} of the component
 * that waited for it, with the broker's timeout as its cause.
 */
public final class Failures {

    /** What to do with the record that failed. */
    public enum Kind { TRANSIENT, PERMANENT, FATAL }

    private Failures() {
    }

    public static Kind classify(Throwable failure) {
        Kind kind = Kind.PERMANENT;
        for (Throwable cause : Causes.of(failure)) {
            if (isFatal(cause)) {
                return Kind.FATAL;
            }
            if (transientByItself(cause)) {
                kind = Kind.TRANSIENT;
            }
        }
        return kind;
    }

    private static boolean isFatal(Throwable cause) {
        return cause instanceof VirtualMachineError || cause instanceof LinkageError
                || cause instanceof ProducerFencedException || cause instanceof AuthenticationException
                || cause instanceof AuthorizationException;
    }

    private static boolean transientByItself(Throwable cause) {
        return cause instanceof TransientFailureException
                || cause instanceof RetriableException
                || cause instanceof TimeoutException
                || cause instanceof SchemaRegistryUnavailableException
                || AwsErrors.isRetryable(cause) || VaultErrors.isRetryable(cause) || KubernetesErrors.isRetryable(cause);
    }
}
