package io.zonekeeper.common.retry;

import static io.zonekeeper.common.retry.Failures.Kind.FATAL;
import static io.zonekeeper.common.retry.Failures.Kind.PERMANENT;
import static io.zonekeeper.common.retry.Failures.Kind.TRANSIENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.ResourceAccessException;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/** The shapes failures arrive in, wrapped the way the clients and Zonekeeper's own components wrap them. */
class FailuresTest {

    @Test
    void aStateAuditOrDeadLetterPublishThatTimedOutIsTransient() {
        // StateTopic, AuditTrail and DeadLetterPublisher wait for the broker and rethrow its cause like this.
        assertThat(Failures.classify(new IllegalStateException("could not publish the state of org-1 to org.dns.v1",
                new TimeoutException("Expiring 1 record(s)")))).isEqualTo(TRANSIENT);
        assertThat(Failures.classify(new IllegalStateException("audit not durable", new ExecutionException(
                new NotEnoughReplicasException("not enough in-sync replicas"))))).isEqualTo(TRANSIENT);
    }

    @Test
    void aDependencysTransientFaultIsTransientHoweverDeeplyWrapped() {
        AwsServiceException throttled = AwsServiceException.builder().statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("Throttling").build()).build();
        assertThat(Failures.classify(new CompletionException(throttled))).isEqualTo(TRANSIENT);
        assertThat(Failures.classify(new RuntimeException(new ResourceAccessException("vault", new IOException("refused")))))
                .isEqualTo(TRANSIENT);
        assertThat(Failures.classify(new IllegalStateException(new KubernetesClientException("unavailable", 503, null))))
                .isEqualTo(TRANSIENT);
        assertThat(Failures.classify(new TransientFailureException("vault read", 3, new IllegalArgumentException())))
                .isEqualTo(TRANSIENT);
    }

    @Test
    void whatTheProcessCannotSurviveIsFatalEvenBesideATransientCause() {
        assertThat(Failures.classify(new OutOfMemoryError("Java heap space"))).isEqualTo(FATAL);
        assertThat(Failures.classify(new ExecutionException(new StackOverflowError()))).isEqualTo(FATAL);
        assertThat(Failures.classify(new IllegalStateException(new ProducerFencedException("fenced")))).isEqualTo(FATAL);
        assertThat(Failures.classify(new TopicAuthorizationException("audit.v1"))).isEqualTo(FATAL);
        assertThat(Failures.classify(new TransientFailureException("x", 1, new OutOfMemoryError()))).isEqualTo(FATAL);
    }

    @Test
    void anythingElseIsTheRecordsAndPermanent() {
        assertThat(Failures.classify(new IllegalStateException("bug"))).isEqualTo(PERMANENT);
        assertThat(Failures.classify(new NullPointerException())).isEqualTo(PERMANENT);
        AwsServiceException denied = AwsServiceException.builder().statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("InvalidInput").build()).build();
        assertThat(Failures.classify(denied)).isEqualTo(PERMANENT);
    }

    @Test
    void aCauseChainWithACycleEnds() {
        RuntimeException first = new RuntimeException("first");
        RuntimeException second = new RuntimeException("second", first);
        first.initCause(second);
        assertThat(Failures.classify(second)).isEqualTo(PERMANENT);
    }
}
