package io.zonekeeper.common.aws;

import io.zonekeeper.common.retry.Causes;
import java.io.IOException;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Which AWS failures are transient: throttling, a change still in progress, server errors and I/O trouble. */
public final class AwsErrors {

    private static final Set<String> TRANSIENT_CODES = Set.of(
            "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
            "PriorRequestNotComplete", "ServiceUnavailable", "InternalFailure", "InternalError", "RequestTimeout");

    private AwsErrors() {
    }

    public static boolean isRetryable(Throwable failure) {
        if (failure instanceof AwsServiceException service) {
            String code = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
            // Set.of refuses to look up null: a response without an error code (an unparsed 5xx body) has none.
            return service.isThrottlingException() || (code != null && TRANSIENT_CODES.contains(code))
                    || service.statusCode() >= 500
                    || service.statusCode() == 429;
        }
        if (failure instanceof ApiCallAttemptTimeoutException || failure instanceof ApiCallTimeoutException) {
            return true;
        }
        if (failure instanceof SdkClientException) {
            for (Throwable cause : Causes.of(failure)) {
                if (cause instanceof IOException) {
                    return true;
                }
            }
        }
        return false;
    }

    public static boolean isThrottling(Throwable failure) {
        return failure instanceof AwsServiceException service && (service.isThrottlingException()
                || "Throttling".equals(errorCode(service)) || "PriorRequestNotComplete".equals(errorCode(service)));
    }

    /** The AWS error code, or the exception's simple class name for client-side failures. */
    public static String errorCode(Throwable failure) {
        if (failure instanceof AwsServiceException service && service.awsErrorDetails() != null
                && service.awsErrorDetails().errorCode() != null) {
            return service.awsErrorDetails().errorCode();
        }
        return failure.getClass().getSimpleName();
    }
}
