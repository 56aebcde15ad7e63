package io.zonekeeper.common.vault;

import io.zonekeeper.common.retry.Causes;
import java.io.IOException;
import java.util.regex.Pattern;
import org.springframework.vault.VaultException;
import org.springframework.vault.authentication.VaultLoginException;
import org.springframework.web.client.HttpStatusCodeException;
import org.springframework.web.client.ResourceAccessException;

/**
 * Which Vault failures are transient: Vault unreachable, sealed or overloaded (5xx, 429), and a refused token (403).
 * A 403 means the token expired or was revoked (the session then logs in again, see VaultSessions) or the service's
 * policy lacks a path: both are the installation's fault, never the record's, so the record waits rather than being
 * dead-lettered. Paths come from configuration and validated events, so no input can point a service outside its
 * policy on purpose.
 */
public final class VaultErrors {

    private static final Pattern SERVER_STATUS = Pattern.compile("^Status (5\\d\\d|429|403)\\b.*", Pattern.DOTALL);

    private VaultErrors() {
    }

    public static boolean isRetryable(Throwable failure) {
        for (Throwable cause : Causes.of(failure)) {
            // A login refused (a secret id or service account Vault does not accept) is the installation's fault too.
            if (cause instanceof ResourceAccessException || cause instanceof IOException
                    || cause instanceof VaultLoginException) {
                return true;
            }
            if (cause instanceof HttpStatusCodeException status) {
                int code = status.getStatusCode().value();
                return status.getStatusCode().is5xxServerError() || code == 429 || code == 403;
            }
            if (cause instanceof VaultException && cause.getMessage() != null
                    && SERVER_STATUS.matcher(cause.getMessage()).matches()) {
                return true;
            }
        }
        return false;
    }

    /** A check-and-set write lost a race: someone else wrote the secret first. */
    public static boolean isCheckAndSetConflict(Throwable failure) {
        for (Throwable cause : Causes.of(failure)) {
            if (cause.getMessage() != null && cause.getMessage().contains("check-and-set parameter did not match")) {
                return true;
            }
        }
        return false;
    }
}
