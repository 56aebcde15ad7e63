package io.zonekeeper.common.vault;

import java.io.IOException;
import java.util.regex.Pattern;
import org.springframework.vault.VaultException;
import org.springframework.web.client.HttpStatusCodeException;
import org.springframework.web.client.ResourceAccessException;

/** Which Vault failures are transient: Vault unreachable, sealed or overloaded (5xx, 429). */
public final class VaultErrors {

    private static final Pattern SERVER_STATUS = Pattern.compile("^Status (5\\d\\d|429)\\b.*", Pattern.DOTALL);

    private VaultErrors() {
    }

    public static boolean isRetryable(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ResourceAccessException || cause instanceof IOException) {
                return true;
            }
            if (cause instanceof HttpStatusCodeException status) {
                return status.getStatusCode().is5xxServerError() || status.getStatusCode().value() == 429;
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
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && cause.getMessage().contains("check-and-set parameter did not match")) {
                return true;
            }
        }
        return false;
    }
}
