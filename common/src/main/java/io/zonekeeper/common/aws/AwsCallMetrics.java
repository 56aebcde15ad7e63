package io.zonekeeper.common.aws;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts AWS calls by service, operation and outcome (success or the AWS error code), and throttles apart; with
 * the tags given (the account the clients act in), so each account's budget is seen on its own.
 */
public final class AwsCallMetrics implements ExecutionInterceptor {

    private final MeterRegistry metrics;
    private final Tags tags;

    public AwsCallMetrics(MeterRegistry metrics, Tags tags) {
        this.metrics = metrics;
        this.tags = tags;
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        count(attributes, "success");
        // At zero from an operation's first call, so a rate over it (an alert, a dashboard) sees the first throttle.
        throttles(attributes);
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        Throwable failure = context.exception();
        count(attributes, AwsErrors.errorCode(failure));
        Counter throttles = throttles(attributes);
        if (AwsErrors.isThrottling(failure)) {
            throttles.increment();
        }
    }

    private Counter throttles(ExecutionAttributes attributes) {
        return Counter.builder("zonekeeper.aws.throttles")
                .description("AWS calls refused by throttling")
                .tag("service", attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))
                .tag("operation", attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))
                .tags(tags)
                .register(metrics);
    }

    private void count(ExecutionAttributes attributes, String outcome) {
        Counter.builder("zonekeeper.aws.calls")
                .description("AWS API calls by operation and outcome")
                .tag("service", attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))
                .tag("operation", attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))
                .tag("outcome", outcome)
                .tags(tags)
                .register(metrics)
                .increment();
    }
}
