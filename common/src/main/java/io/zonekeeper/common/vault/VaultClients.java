package io.zonekeeper.common.vault;

import io.zonekeeper.common.config.VaultAuthentication;
import io.zonekeeper.common.config.VaultSettings;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.InterceptingClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.vault.authentication.AppRoleAuthentication;
import org.springframework.vault.authentication.AppRoleAuthenticationOptions;
import org.springframework.vault.authentication.ClientAuthentication;
import org.springframework.vault.authentication.KubernetesAuthentication;
import org.springframework.vault.authentication.KubernetesAuthenticationOptions;
import org.springframework.vault.authentication.KubernetesServiceAccountTokenFile;
import org.springframework.vault.authentication.TokenAuthentication;
import org.springframework.vault.client.RestTemplateBuilder;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.client.VaultHttpHeaders;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.core.VaultVersionedKeyValueOperations;
import org.springframework.web.client.RestOperations;

/**
 * Connects to the configured Vault with Spring Vault: the JDK's HTTP client with explicit timeouts, the configured
 * login method, and a session that is renewed in the background and replaced when Vault refuses it.
 */
public final class VaultClients {

    private VaultClients() {
    }

    /** Spring Vault's template and its session, closed together. */
    public static final class Connection implements AutoCloseable {

        private final VaultTemplate template;
        private final VaultVersionedKeyValueOperations kv;
        private final VaultSessions sessions;
        private final ThreadPoolTaskScheduler renewals;

        private Connection(VaultTemplate template, VaultVersionedKeyValueOperations kv, VaultSessions sessions,
                           ThreadPoolTaskScheduler renewals) {
            this.template = template;
            this.kv = kv;
            this.sessions = sessions;
            this.renewals = renewals;
        }

        public VaultTemplate template() {
            return template;
        }

        /** The configured KV version 2 mount. */
        public VaultVersionedKeyValueOperations kv() {
            return kv;
        }

        /** Revokes a login token Zonekeeper obtained (never a VAULT_TOKEN it was given) and stops renewing. */
        @Override
        public void close() {
            sessions.destroy();
            renewals.shutdown();
        }
    }

    public static Connection connect(VaultSettings settings) {
        VaultEndpoint endpoint = VaultEndpoint.from(settings.address());
        // Chosen explicitly rather than by Spring's classpath detection, so a library that happens to bring
        // another HTTP client cannot change how Vault is reached.
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
        requests.setReadTimeout(Duration.ofSeconds(15));
        RestOperations login = RestTemplateBuilder.builder().endpoint(endpoint).requestFactory(requests).build();

        ThreadPoolTaskScheduler renewals = new ThreadPoolTaskScheduler();
        renewals.setThreadNamePrefix("vault-session-");
        renewals.setDaemon(true);
        renewals.initialize();
        VaultSessions sessions = new VaultSessions(authentication(settings.authentication(), login), renewals, login);

        // Sees each response after Spring Vault's own interceptor has put the session token on the request.
        ClientHttpRequestInterceptor forgetRefusedToken = (request, body, execution) -> {
            var response = execution.execute(request, body);
            String token = request.getHeaders().getFirst(VaultHttpHeaders.VAULT_TOKEN);
            if (response.getStatusCode().value() == 403 && token != null) {
                sessions.forget(token);
            }
            return response;
        };
        VaultTemplate template = new VaultTemplate(RestTemplateBuilder.builder().endpoint(endpoint)
                .requestFactory(new InterceptingClientHttpRequestFactory(requests, List.of(forgetRefusedToken))),
                sessions);
        return new Connection(template, template.opsForVersionedKeyValue(settings.kvMount()), sessions, renewals);
    }

    private static ClientAuthentication authentication(VaultAuthentication method, RestOperations login) {
        if (method instanceof VaultAuthentication.AppRole appRole) {
            return new AppRoleAuthentication(AppRoleAuthenticationOptions.builder()
                    .path(appRole.path())
                    .roleId(AppRoleAuthenticationOptions.RoleId.provided(appRole.roleId()))
                    .secretId(AppRoleAuthenticationOptions.SecretId.provided(appRole.secretId().value()))
                    .build(), login);
        }
        if (method instanceof VaultAuthentication.Kubernetes kubernetes) {
            return new KubernetesAuthentication(KubernetesAuthenticationOptions.builder()
                    .path(kubernetes.path())
                    .role(kubernetes.role())
                    // Read at each login: projected service account tokens are rotated by the kubelet.
                    .jwtSupplier(new KubernetesServiceAccountTokenFile(kubernetes.serviceAccountTokenFile().toString()))
                    .build(), login);
        }
        return new TokenAuthentication(((VaultAuthentication.Token) method).token().value());
    }
}
