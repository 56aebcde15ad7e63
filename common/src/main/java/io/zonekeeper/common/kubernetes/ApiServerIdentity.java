package io.zonekeeper.common.kubernetes;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Which API server a kubeconfig reaches: its URL and the CA it trusts for it. Two kubeconfigs with the same
 * server and CA reach the same cluster, whatever cluster ids and Vault paths the events give them, so the cluster's
 * claim covers the server too. The CA is part of it because one address may serve another cluster after a rebuild
 * (a new CA), and a proxy in front of a server is another address with the same CA. The digest is what Vault's
 * claims are keyed by: a path segment, and no kubeconfig content in it that could be read back.
 */
public record ApiServerIdentity(String server, String digest) {

    /** The identity of {@code server} trusted with {@code caCertificate} (PEM or base64 as given; null: none). */
    public static ApiServerIdentity of(String server, String caCertificate) {
        String normalized = normalize(server);
        String ca = caCertificate == null ? "" : caCertificate.replaceAll("\\s", "");
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((normalized + "\n" + ca).getBytes(StandardCharsets.UTF_8));
            return new ApiServerIdentity(normalized, HexFormat.of().formatHex(hash));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** How a refusal names it: the server's address, and the kubeconfig that reached it. */
    String describe(String kubeconfigPath) {
        return "API server " + server + " (reached by the kubeconfig at '" + kubeconfigPath + "')";
    }

    /** Scheme and host in lower case, the default port spelt out, no trailing slash: one server, one spelling. */
    private static String normalize(String server) {
        URI uri;
        try {
            uri = URI.create(server.trim());
        } catch (IllegalArgumentException notAUri) {
            return server.trim().toLowerCase(Locale.ROOT);
        }
        String scheme = uri.getScheme() == null ? "https" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? server.trim().toLowerCase(Locale.ROOT) : uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("http") ? 80 : 443;
        String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("/+$", "");
        return scheme + "://" + host + ":" + port + path;
    }
}
