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

    Setting<String> METHOD = Setting.text("VAULT_AUTH_METHOD", "token",
            "how the service logs in: token, approle or kubernetes");
    Setting<Secret> TOKEN = Setting.secret("VAULT_TOKEN", "the Vault token, used as given (token)");
    Setting<String> APPROLE_PATH = Setting.text("VAULT_AUTH_PATH", "approle", "where AppRole is mounted (approle)");
    Setting<String> APPROLE_ROLE_ID = Setting.required("VAULT_APPROLE_ROLE_ID", "the AppRole's role id (approle)");
    Setting<Secret> APPROLE_SECRET_ID = Setting.secret("VAULT_APPROLE_SECRET_ID", "its secret id (approle)");
    Setting<String> KUBERNETES_PATH = Setting.text("VAULT_AUTH_PATH", "kubernetes",
            "where the Kubernetes auth method is mounted (kubernetes)");
    Setting<String> KUBERNETES_ROLE = Setting.required("VAULT_KUBERNETES_ROLE",
            "the role bound to the service's service account (kubernetes)");
    Setting<String> KUBERNETES_TOKEN_FILE = Setting.text("VAULT_KUBERNETES_TOKEN_FILE", DEFAULT_SERVICE_ACCOUNT_TOKEN,
            "the service account token, read at each login (kubernetes)");

    static VaultAuthentication read(EnvReader env) {
        String method = METHOD.read(env).toLowerCase(Locale.ROOT);
        return switch (method) {
            case "token" -> new Token(TOKEN.read(env));
            case "approle" -> new AppRole(APPROLE_PATH.read(env), APPROLE_ROLE_ID.read(env),
                    APPROLE_SECRET_ID.read(env));
            case "kubernetes" -> new Kubernetes(KUBERNETES_PATH.read(env), KUBERNETES_ROLE.read(env),
                    Path.of(KUBERNETES_TOKEN_FILE.read(env)));
            default -> {
                env.problem("VAULT_AUTH_METHOD must be token, approle or kubernetes, not '" + method + "'");
                yield new Token(new Secret("unused"));
            }
        };
    }
}
