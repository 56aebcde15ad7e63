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

    public static final Setting<String> REGION = Setting.text("AWS_REGION", "us-east-1",
            "region (Route53 and IAM are global and sign for us-east-1)");
    public static final Setting<Optional<URI>> ENDPOINT = Setting.optionalUri("AWS_ENDPOINT_URL",
            "endpoint override for an AWS-compatible endpoint");
    public static final Setting<Optional<String>> ACCESS_KEY_ID = Setting.optional("AWS_ACCESS_KEY_ID",
            "static credentials' key id (with AWS_SECRET_ACCESS_KEY, or neither: the SDK's default chain)");
    public static final Setting<Optional<Secret>> SECRET_ACCESS_KEY = Setting.optionalSecret("AWS_SECRET_ACCESS_KEY",
            "static credentials' secret key");

    public static AwsSettings read(EnvReader env) {
        Optional<String> keyId = ACCESS_KEY_ID.read(env);
        Optional<Secret> secret = SECRET_ACCESS_KEY.read(env);
        if (keyId.isPresent() != secret.isPresent()) {
            env.problem("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
        }
        Optional<StaticCredentials> credentials = keyId.isPresent() && secret.isPresent()
                ? Optional.of(new StaticCredentials(keyId.get(), secret.get())) : Optional.empty();
        return new AwsSettings(REGION.read(env), ENDPOINT.read(env), credentials);
    }
}
