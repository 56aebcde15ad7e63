package io.zonekeeper.common.aws;

import io.zonekeeper.common.ratelimit.ApiRateLimiter;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Takes a token from the API's client-side buckets before every HTTP attempt the SDK transmits: AWS counts each
 * attempt against the account's budget, retries included.
 */
public final class RateLimitingInterceptor implements ExecutionInterceptor {

    private final ApiRateLimiter limiter;

    public RateLimitingInterceptor(ApiRateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        limiter.acquire(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
    }
}
