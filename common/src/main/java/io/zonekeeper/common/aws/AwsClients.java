package io.zonekeeper.common.aws;

import io.zonekeeper.common.config.AwsSettings;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.route53.Route53Client;

/**
 * Builds Route53 and IAM clients for one account. The SDK's own retries are switched off: every call goes
 * through {@link io.zonekeeper.common.retry.Retry} with {@link AwsErrors#isRetryable}, so backoff, attempt limits
 * and metrics are the same for every dependency, and the rate limiter sees each attempt exactly once.
 */
public final class AwsClients {

    private final AwsSettings settings;
    private final List<ExecutionInterceptor> route53Interceptors;
    private final List<ExecutionInterceptor> iamInterceptors;

    public AwsClients(AwsSettings settings, List<ExecutionInterceptor> route53Interceptors,
                      List<ExecutionInterceptor> iamInterceptors) {
        this.settings = settings;
        this.route53Interceptors = List.copyOf(route53Interceptors);
        this.iamInterceptors = List.copyOf(iamInterceptors);
    }

    public Route53Client route53() {
        return configure(Route53Client.builder(), route53Interceptors).build();
    }

    public IamClient iam() {
        return configure(IamClient.builder(), iamInterceptors).build();
    }

    private <B extends AwsClientBuilder<B, ?>> B configure(B builder, List<ExecutionInterceptor> interceptors) {
        // Route53 and IAM are global services, signed for us-east-1 whatever the service's own region.
        builder.region(Region.AWS_GLOBAL)
                .credentialsProvider(credentials())
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallAttemptTimeout(Duration.ofSeconds(20))
                        .executionInterceptors(interceptors)
                        .build());
        settings.endpointOverride().ifPresent(builder::endpointOverride);
        if (builder instanceof SdkSyncClientBuilder<?, ?> sync) {
            sync.httpClientBuilder(ApacheHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(5))
                    .socketTimeout(Duration.ofSeconds(20))
                    .maxConnections(32));
        }
        return builder;
    }

    private AwsCredentialsProvider credentials() {
        return settings.staticCredentials()
                .<AwsCredentialsProvider>map(c -> StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(c.accessKeyId(), c.secretAccessKey().value())))
                .orElseGet(() -> DefaultCredentialsProvider.builder().build());
    }
}
