package io.zonekeeper.common.serde;

import io.zonekeeper.common.retry.Retry;
import java.net.URI;

/** Resolves a {@code schema.registry.url}: {@code mock://<scope>} for unit tests, an HTTP(S) URL otherwise. */
public final class SchemaRegistries {

    public static final String MOCK_PREFIX = "mock://";

    private SchemaRegistries() {
    }

    public static SchemaRegistryClient forUrl(String url, Retry retry) {
        if (url.startsWith(MOCK_PREFIX)) {
            return MockSchemaRegistry.scope(url.substring(MOCK_PREFIX.length()));
        }
        URI uri = URI.create(url.split(",")[0].trim());
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("schema registry URL must be http(s):// or mock://, not " + url);
        }
        return new RestSchemaRegistryClient(uri, retry);
    }
}
