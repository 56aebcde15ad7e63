package io.zonekeeper.cert;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.cert.model.AuthorityRotation;
import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.cert.model.CertificateIssuer;
import io.zonekeeper.cert.model.KeyAlgorithm;
import io.zonekeeper.cert.model.RenewalPolicy;
import io.zonekeeper.cert.vault.AuthorityVault;
import io.zonekeeper.cert.vault.NameClaims;
import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.Secret;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.common.events.Org;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.vault.VaultClients;
import io.zonekeeper.common.vault.VaultSecrets;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.ResourceType;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.vault.core.VaultVersionedKeyValueOperations;
import static org.assertj.core.api.Assertions.assertThat;

/** However many instances race for an organization's CA, one is created and all of them use it. */
class AuthorityConcurrencyTest {

    private final CertWorld world = new CertWorld();

    @AfterEach
    void close() {
        world.close();
    }

    private static final int RACERS = 8;

    @Test
    void racingWritersOverVaultCreateOneAuthority() throws Exception {
        var issuance = new CertConfig.Issuance(KeyAlgorithm.EC_P256, Duration.ofDays(365), KeyAlgorithm.EC_P256,
                Duration.ofDays(90), Duration.ofMinutes(5), new RenewalPolicy(2.0 / 3),
                new AuthorityRotation(Duration.ofDays(30), Duration.ofDays(1)));

        Set<String> serials = race((kv, retry) -> {
            // Separate instances: each with its own issuer and Vault client, as separate processes would be.
            var authorities = new OrgAuthorities(new CertNaming(CertWorld.BASE_DOMAIN, "zonekeeper/tls", "tls"),
                    new AuthorityVault(new VaultSecrets(kv, retry)), new NameClaims(new VaultSecrets(kv, retry)),
                    new CertificateIssuer(new SecureRandom(), Duration.ZERO), issuance, world.clock);
            return racer -> {
                var trail = new AuditTrail(world.auditPublisher(), null, "org-1", null);
                String serial = authorities.ensure(new Org("org-1", "acme"), trail).value().current()
                        .serialHex();
                trail.awaitDurable();
                return serial;
            };
        });

        assertThat(serials).as("every racer ends up with the same CA").hasSize(1);
        assertThat(world.vault.currentVersion("zonekeeper/tls/org-1/ca")).isEqualTo(1);
        assertThat(world.audits()).filteredOn(a -> a.getResourceType() == ResourceType.CERTIFICATE_AUTHORITY).hasSize(1);
    }

    /** Eight organizations with one name, on eight instances at once: exactly one holds the name. */
    @Test
    void organizationsRacingForOneNameLeaveExactlyOneHolder() throws Exception {
        Set<String> holders = race((kv, retry) -> {
            NameClaims claims = new NameClaims(new VaultSecrets(kv, retry));
            return racer -> claims.claim("zonekeeper/tls/_names/acme", "org-" + racer);
        });

        assertThat(holders).as("every racer sees the same holder").hasSize(1);
        assertThat(world.vault.currentVersion("zonekeeper/tls/_names/acme")).isEqualTo(1);
    }

    /** What one racer does, given its number. */
    private interface Racer {
        String run(int racer) throws Exception;
    }

    /**
     * Builds {@link #RACERS} racers, each with its own Vault client (as separate processes would have), starts them
     * at once and returns what they ended with.
     */
    private Set<String> race(BiFunction<VaultVersionedKeyValueOperations, Retry, Racer> racers) throws Exception {
        CyclicBarrier start = new CyclicBarrier(RACERS);
        Set<String> results = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(RACERS);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                var settings = new VaultSettings(world.vault.endpoint(), new Secret(world.vaultToken),
                        world.vault.mount());
                var kv = VaultClients.connect(settings).kv();
                var retry = new Retry(new RetrySettings(3, Duration.ofMillis(10), Duration.ofMillis(50), 0.5),
                        new SimpleMeterRegistry());
                Racer racer = racers.apply(kv, retry);
                int number = i;
                running.add(pool.submit((Callable<Void>) () -> {
                    start.await();
                    results.add(racer.run(number));
                    return null;
                }));
            }
            for (Future<?> result : running) {
                result.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return results;
    }

    @Test
    void twoServiceInstancesStartingOnTheSameOrganizationCreateOneAuthority() {
        world.cluster("c-1");
        world.cluster("c-2");
        // Two instances that both see the organization's events, as during a rebalance with a zombie.
        world.startService("cert-a-" + world.suffix);
        world.startService("cert-b-" + world.suffix);
        world.emit(world.event("org-1", "acme", "c-1", "prod", ClusterStatus.RUNNING));
        world.emit(world.event("org-1", "acme", "c-2", "staging", ClusterStatus.RUNNING));
        world.awaitConsumed("cert-a-" + world.suffix, world.lifecycleTopic);
        world.awaitConsumed("cert-b-" + world.suffix, world.lifecycleTopic);

        assertThat(world.vault.currentVersion("zonekeeper/tls/org-1/ca")).isEqualTo(1);
        assertThat(world.audits()).filteredOn(a -> a.getAction() == AuditAction.CREATED
                && a.getResourceType() == ResourceType.CERTIFICATE_AUTHORITY).hasSize(1);
        var states = world.states();
        assertThat(states.get("org-1/c-1/server").getCaSerial()).isEqualTo(states.get("org-1/c-2/server").getCaSerial());
    }
}
