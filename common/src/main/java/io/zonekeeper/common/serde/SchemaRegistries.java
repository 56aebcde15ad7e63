package io.zonekeeper.common.serde;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.KafkaSettings;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.retry.Retry;
import java.net.URI;
import java.time.Duration;

/**
 * Resolves a {@code schema.registry.url} (HTTP or HTTPS; the first of a comma-separated list) to a client. Tests reach
 * the registry the same way, through a real registry (testkit's Apicurio Registry): there is no in-process shortcut in
 * service code.
 */
public final class SchemaRegistries {

    /** A tool's patience: a few quick attempts, then the operator sees the error. */
    private static final RetrySettings TOOL_RETRY = new RetrySettings(5, Duration.ofMillis(100), Duration.ofSeconds(2),
            0.5);

    private SchemaRegistries() {
    }

    /** A service's client: retried with the service's settings and counted in its metrics. */
    public static SchemaRegistryClient forService(KafkaSettings settings, Retry retry) {
        return client(settings.schemaRegistryUrl(), settings.registryAccess(), retry);
    }

    /** A command-line tool's client: a few quick attempts, counted nowhere. */
    public static SchemaRegistryClient forTool(String url, RegistryAccess access) {
        return client(url, access, new Retry(TOOL_RETRY, new SimpleMeterRegistry()));
    }

    /** A test's or the local run's client, of a registry that asks for no credentials. */
    public static SchemaRegistryClient forTool(String url) {
        return forTool(url, RegistryAccess.NONE);
    }

    private static SchemaRegistryClient client(String url, RegistryAccess access, Retry retry) {
        URI uri = URI.create(url.split(",")[0].trim());
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("schema registry URL must be http:// or https://, not " + url);
        }
        return new RestSchemaRegistryClient(uri, retry, access);
    }
}
