package io.zonekeeper.world;

import io.zonekeeper.common.config.AwsSettings;
import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.Setting;
import io.zonekeeper.common.config.TopicSettings;
import io.zonekeeper.common.config.VaultAuthentication;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.testkit.kafka.IngressTopics;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A service's environment as a deployment writes it, in one place for the tests' worlds and the local run: each
 * variable set through its declaration ({@link Setting}), so a misspelt or retired name does not compile, and the
 * parts every deployment repeats (Kafka and the registry, the ingress's topics, Vault, the AWS endpoint) written
 * once. {@code docker-compose.yml} stays a file, checked against the services' declarations by
 * {@code ComposeFileTest}; the chart's templates by {@code ChartTest} and the secured install.
 */
public final class ServiceEnvironment {

    private final Map<String, String> env = new LinkedHashMap<>();

    public ServiceEnvironment set(Setting<?> setting, Object value) {
        env.put(setting.name(), String.valueOf(value));
        return this;
    }

    /**
     * Variables that are no single declaration's: a family's members ({@code KAFKA_CLIENT_*}, a secured client's
     * properties) and what a test sets on top.
     */
    public ServiceEnvironment setAll(Map<String, String> variables) {
        env.putAll(variables);
        return this;
    }

    /** The broker and the registry. */
    public ServiceEnvironment kafka(String bootstrapServers, URI registry) {
        return set(KafkaSettings.BOOTSTRAP_SERVERS, bootstrapServers).set(KafkaSettings.SCHEMA_REGISTRY_URL, registry);
    }

    /** The upstream's topics, their by-organization copies and the ingress group. */
    public ServiceEnvironment ingress(IngressTopics topics) {
        return set(TopicSettings.LIFECYCLE, topics.lifecycle())
                .set(TopicSettings.LIFECYCLE_BY_ORG, topics.lifecycleByOrg())
                .set(TopicSettings.CERT_REQUESTS, topics.requests())
                .set(TopicSettings.CERT_REQUESTS_BY_ORG, topics.requestsByOrg())
                .set(TopicSettings.INGRESS_GROUP, topics.group());
    }

    /** Vault, logging in with {@code token}. */
    public ServiceEnvironment vault(URI address, String mount, String token) {
        return set(VaultSettings.ADDRESS, address).set(VaultSettings.KV_MOUNT, mount)
                .set(VaultAuthentication.TOKEN, token);
    }

    /** An AWS-compatible endpoint with static credentials. */
    public ServiceEnvironment aws(URI endpoint, String accessKeyId, String secretAccessKey) {
        return set(AwsSettings.ENDPOINT, endpoint).set(AwsSettings.ACCESS_KEY_ID, accessKeyId)
                .set(AwsSettings.SECRET_ACCESS_KEY, secretAccessKey);
    }

    public Map<String, String> toMap() {
        return new LinkedHashMap<>(env);
    }
}
