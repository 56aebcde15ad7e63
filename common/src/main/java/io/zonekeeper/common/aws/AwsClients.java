package io.zonekeeper.common.aws;

import io.zonekeeper.common.config.AwsSettings;
import io.zonekeeper.common.config.Secret;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Builds Route53 and IAM clients for one account: the service's own (its configured credentials), or another one a
 * role is assumed in ({@link #inRole}). The SDK's own retries are switched off: every call goes
 * through {@link io.zonekeeper.common.retry.Retry} with {@link AwsErrors#isRetryable}, so backoff, attempt limits
 * and metrics are the same for every dependency, and the rate limiter sees each attempt exactly once.
 */
public final class AwsClients implements AutoCloseable {

    /** How long before assumed credentials expire they are refreshed, in the background. */
    private static final Duration REFRESH_BEFORE_EXPIRY = Duration.ofMinutes(5);

    private final AwsSettings settings;
    private final AwsCredentialsProvider credentials;
    private final List<ExecutionInterceptor> route53Interceptors;
    private final List<ExecutionInterceptor> iamInterceptors;

    /** Clients acting with the service's own credentials. */
    public AwsClients(AwsSettings settings, List<ExecutionInterceptor> route53Interceptors,
                      List<ExecutionInterceptor> iamInterceptors) {
        this(settings, ownCredentials(settings), route53Interceptors, iamInterceptors);
    }

    private AwsClients(AwsSettings settings, AwsCredentialsProvider credentials,
                       List<ExecutionInterceptor> route53Interceptors, List<ExecutionInterceptor> iamInterceptors) {
        this.settings = settings;
        this.credentials = credentials;
        this.route53Interceptors = List.copyOf(route53Interceptors);
        this.iamInterceptors = List.copyOf(iamInterceptors);
    }

    /**
     * Clients acting in the account of {@code role.roleArn()}: the service's own credentials assume the role through
     * STS, and the SDK's provider refreshes the temporary credentials before they expire. {@code sts} is the client
     * that asks, made once by the caller from its own clients ({@link #sts}) and closed by it.
     */
    public static AwsClients inRole(AwsSettings settings, StsClient sts, AssumedRole role,
                                    List<ExecutionInterceptor> route53Interceptors,
                                    List<ExecutionInterceptor> iamInterceptors) {
        AwsCredentialsProvider assumed = StsAssumeRoleCredentialsProvider.builder()
                .stsClient(sts)
                .staleTime(REFRESH_BEFORE_EXPIRY)
                .asyncCredentialUpdateEnabled(true)
                .refreshRequest(r -> {
                    r.roleArn(role.roleArn()).roleSessionName(role.sessionName());
                    role.externalId().ifPresent(id -> r.externalId(id.value()));
                })
                .build();
        return new AwsClients(settings, assumed, route53Interceptors, iamInterceptors);
    }

    /** An STS client with these clients' credentials, for {@link #inRole}. */
    public StsClient sts() {
        var builder = StsClient.builder().region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .httpClientBuilder(ApacheHttpClient.builder().connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(20)));
        settings.endpointOverride().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** A role in another account, and how it is assumed. */
    public record AssumedRole(String roleArn, String sessionName, Optional<Secret> externalId) {
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
                .credentialsProvider(credentials)
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

    private static AwsCredentialsProvider ownCredentials(AwsSettings settings) {
        return settings.staticCredentials()
                .<AwsCredentialsProvider>map(c -> StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(c.accessKeyId(), c.secretAccessKey().value())))
                .orElseGet(() -> DefaultCredentialsProvider.builder().build());
    }

    /** Stops refreshing assumed credentials (closes the credentials provider); the clients it built are closed by their owners. */
    @Override
    public void close() {
        if (credentials instanceof SdkAutoCloseable closeable) {
            closeable.close();
        }
    }
}
