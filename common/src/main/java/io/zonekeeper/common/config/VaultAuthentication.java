package io.zonekeeper.common.config;

import java.nio.file.Path;
import java.util.Locale;

/**
 * How a service logs in to Vault, chosen by {@code VAULT_AUTH_METHOD}: a token given to it, an AppRole, or the
 * Kubernetes service account it runs as. The latter two get short-lived tokens that are renewed and replaced.
 */
public sealed interface VaultAuthentication {

    String DEFAULT_SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    /** {@code VAULT_TOKEN}, used as given (renewed if renewable). */
    record Token(Secret token) implements VaultAuthentication {
    }

    /** AppRole login at {@code auth/<path>/login} with a role id and a secret id. */
    record AppRole(String path, String roleId, Secret secretId) implements VaultAuthentication {
    }

    /** Kubernetes login at {@code auth/<path>/login}: the service account token file, read at each login. */
    record Kubernetes(String path, String role, Path serviceAccountTokenFile) implements VaultAuthentication {
    }

    static VaultAuthentication read(EnvReader env) {
        String method = env.optional("VAULT_AUTH_METHOD", "token").toLowerCase(Locale.ROOT);
        return switch (method) {
            case "token" -> new Token(env.requiredSecret("VAULT_TOKEN"));
            case "approle" -> new AppRole(env.optional("VAULT_AUTH_PATH", "approle"),
                    env.required("VAULT_APPROLE_ROLE_ID"), env.requiredSecret("VAULT_APPROLE_SECRET_ID"));
            case "kubernetes" -> new Kubernetes(env.optional("VAULT_AUTH_PATH", "kubernetes"),
                    env.required("VAULT_KUBERNETES_ROLE"),
                    Path.of(env.optional("VAULT_KUBERNETES_TOKEN_FILE", DEFAULT_SERVICE_ACCOUNT_TOKEN)));
            default -> {
                env.problem("VAULT_AUTH_METHOD must be token, approle or kubernetes, not '" + method + "'");
                yield new Token(new Secret("unused"));
            }
        };
    }
}
