package io.zonekeeper.common.config;

import java.net.URI;
import java.util.Optional;

/**
 * The AWS account the service acts in. Without static credentials the SDK's default chain applies (web identity,
 * instance profile, ...). {@code endpointOverride} points the SDK at a compatible endpoint other than AWS's own.
 */
public record AwsSettings(String region, Optional<URI> endpointOverride, Optional<StaticCredentials> staticCredentials) {

    /** An access key pair given in configuration. */
    public record StaticCredentials(String accessKeyId, Secret secretAccessKey) {
    }

    public static AwsSettings read(EnvReader env) {
        Optional<String> keyId = env.optional("AWS_ACCESS_KEY_ID");
        Optional<Secret> secret = env.optionalSecret("AWS_SECRET_ACCESS_KEY");
        if (keyId.isPresent() != secret.isPresent()) {
            env.problem("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
        }
        Optional<StaticCredentials> credentials = keyId.isPresent() && secret.isPresent()
                ? Optional.of(new StaticCredentials(keyId.get(), secret.get())) : Optional.empty();
        return new AwsSettings(env.optional("AWS_REGION", "us-east-1"), env.optionalUri("AWS_ENDPOINT_URL"), credentials);
    }
}
