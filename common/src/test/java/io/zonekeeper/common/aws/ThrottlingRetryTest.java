package io.zonekeeper.common.aws;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.AwsSettings;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.Secret;
import io.zonekeeper.common.ratelimit.ApiRateLimiter;
import io.zonekeeper.common.ratelimit.BucketSpec;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.testkit.aws.MotoServer;
import io.zonekeeper.testkit.faults.Fault;
import io.zonekeeper.testkit.faults.FaultProxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.Route53Client;
import static org.assertj.core.api.Assertions.assertThat;

/** Real SDK calls through the fault proxy in front of the AWS emulator, recovered by the shared retry helper. */
class ThrottlingRetryTest {

    private static final MotoServer MOTO = MotoServer.shared();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final Retry retry = new Retry(new RetrySettings(5, Duration.ofMillis(10), Duration.ofMillis(100), 0.5),
            metrics);
    private FaultProxy proxy;
    private Route53Client route53;

    @BeforeEach
    void connect() {
        MOTO.reset();
        proxy = FaultProxy.start(MOTO.endpoint(), 42);
        ApiRateLimiter limiter = new ApiRateLimiter("route53", Tags.empty(), BucketSpec.of(10, 50),
                Map.of("CreateHostedZone", BucketSpec.of(2, 2)), metrics);
        AwsSettings settings = new AwsSettings(MotoServer.REGION, Optional.of(proxy.endpoint()), Optional.of(
                new AwsSettings.StaticCredentials(MotoServer.ACCESS_KEY_ID, new Secret(MotoServer.SECRET_ACCESS_KEY))));
        route53 = new AwsClients(settings, List.of(new RateLimitingInterceptor(limiter), new AwsCallMetrics(metrics, Tags.empty())),
                List.of()).route53();
    }

    @AfterEach
    void close() {
        route53.close();
        proxy.close();
    }

    @Test
    void aCallThrottledTwiceSucceedsOnTheThirdAttempt() {
        proxy.failNext("CreateHostedZone", 2, Fault.THROTTLING);

        String zoneId = retry.call("create zone", AwsErrors::isRetryable, () -> route53.createHostedZone(r -> r
                .name("acme.example.com.").callerReference("acme-1")).hostedZone().id());

        assertThat(zoneId).isNotBlank();
        assertThat(proxy.requestCounts()).containsEntry("route53:CreateHostedZone", 3L);
        assertThat(proxy.faultCounts()).containsExactlyEntriesOf(Map.of("route53:CreateHostedZone", 2L));
        assertThat(metrics.get("zonekeeper.aws.throttles").tag("operation", "CreateHostedZone").counter().count())
                .isEqualTo(2);
        assertThat(metrics.get("zonekeeper.aws.calls").tag("operation", "CreateHostedZone").tag("outcome", "Throttling")
                .counter().count()).isEqualTo(2);
        assertThat(metrics.get("zonekeeper.retries").tag("operation", "create zone").counter().count()).isEqualTo(2);
    }

    @Test
    void priorRequestNotCompleteServerErrorsAndDroppedConnectionsAreRetriedToo() {
        String zoneId = route53.createHostedZone(r -> r.name("acme.example.com.").callerReference("acme-1"))
                .hostedZone().id();
        proxy.resetCounts();
        proxy.failNext(1, Fault.PRIOR_REQUEST_NOT_COMPLETE);
        proxy.failNext(1, Fault.SERVER_ERROR);
        proxy.failNext(1, Fault.DROP_CONNECTION);

        var zone = retry.call("get zone", AwsErrors::isRetryable, () -> route53.getHostedZone(r -> r.id(zoneId)));

        assertThat(zone.hostedZone().name()).isEqualTo("acme.example.com.");
        assertThat(proxy.requestCounts()).containsExactlyEntriesOf(Map.of("route53:GetHostedZone", 4L));
    }
}
