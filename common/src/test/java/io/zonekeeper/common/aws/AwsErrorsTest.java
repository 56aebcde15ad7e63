package io.zonekeeper.common.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.route53.model.NoSuchHostedZoneException;
import software.amazon.awssdk.services.route53.model.Route53Exception;

class AwsErrorsTest {

    @Test
    void throttlingAndPriorRequestNotCompleteAreTransient() {
        assertThat(AwsErrors.isRetryable(route53Error(400, "Throttling"))).isTrue();
        assertThat(AwsErrors.isRetryable(route53Error(400, "PriorRequestNotComplete"))).isTrue();
        assertThat(AwsErrors.isThrottling(route53Error(400, "Throttling"))).isTrue();
    }

    @Test
    void serverErrorsAndIoFailuresAreTransient() {
        assertThat(AwsErrors.isRetryable(route53Error(503, "ServiceUnavailable"))).isTrue();
        assertThat(AwsErrors.isRetryable(route53Error(500, "SomethingNew"))).isTrue();
        assertThat(AwsErrors.isRetryable(SdkClientException.create("Unable to execute HTTP request",
                new ConnectException("Connection refused")))).isTrue();
    }

    @Test
    void aServerErrorWithoutAnErrorCodeIsTransientNotAFailureOfTheClassifier() {
        // A 5xx whose body the SDK could not parse (an HTML page from a proxy, an empty body) has no code.
        assertThat(AwsErrors.isRetryable(route53Error(502, null))).isTrue();
        assertThat(AwsErrors.isRetryable(route53Error(400, null))).isFalse();
        assertThat(AwsErrors.isThrottling(route53Error(502, null))).isFalse();
    }

    @Test
    void clientErrorsArePermanent() {
        assertThat(AwsErrors.isRetryable(NoSuchHostedZoneException.builder().statusCode(404)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("NoSuchHostedZone").build()).build())).isFalse();
        assertThat(AwsErrors.isRetryable(route53Error(400, "InvalidInput"))).isFalse();
        assertThat(AwsErrors.isRetryable(SdkClientException.create("Unable to marshall request"))).isFalse();
    }

    private static Route53Exception route53Error(int status, String code) {
        return (Route53Exception) Route53Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build()).build();
    }
}
