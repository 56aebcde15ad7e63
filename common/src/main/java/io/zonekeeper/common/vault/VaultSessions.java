package io.zonekeeper.common.vault;

import java.util.Optional;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.vault.authentication.ClientAuthentication;
import org.springframework.vault.authentication.LifecycleAwareSessionManager;
import org.springframework.web.client.RestOperations;

/**
 * Spring Vault's session manager — log in on first use, renew the token before it expires, log in again once it
 * can no longer be renewed — plus one thing it does not do: forget a token Vault refused (403), so the next call
 * logs in anew. A token revoked or expired early is then a transient fault that the caller's retry outlives, not a
 * permanent one (with a static {@code VAULT_TOKEN} the "new" login is the same token, and the retry keeps failing
 * until an operator replaces it, which is still not a reason to dead-letter the record).
 */
final class VaultSessions extends LifecycleAwareSessionManager {

    VaultSessions(ClientAuthentication authentication, TaskScheduler scheduler, RestOperations login) {
        super(authentication, scheduler, login);
    }

    /** Forgets the current token if it is {@code refused}: a token that raced a re-login is not thrown away. */
    void forget(String refused) {
        Optional<TokenWrapper> current = getToken();
        if (current.isPresent() && current.get().getToken().getToken().equals(refused)) {
            setToken(Optional.empty());
        }
    }
}
