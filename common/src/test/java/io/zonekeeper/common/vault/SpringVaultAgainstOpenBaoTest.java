package io.zonekeeper.common.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.config.Secret;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.common.retry.Failures;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.retry.TransientFailureException;
import io.zonekeeper.testkit.faults.FaultProxy;
import io.zonekeeper.testkit.vault.OpenBaoMount;
import io.zonekeeper.testkit.vault.OpenBaoServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.vault.VaultException;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.core.VaultVersionedKeyValueOperations;
import org.springframework.vault.support.Versioned;

/** Spring Vault, configured as the services configure it, against OpenBao's KV v2 over HTTP. */
class SpringVaultAgainstOpenBaoTest {

    private final OpenBaoMount vault = OpenBaoMount.create(OpenBaoServer.shared(),
            "kv-" + java.util.UUID.randomUUID().toString().substring(0, 8));
    private final String mount = vault.mount();
    private final VaultSettings settings = new VaultSettings(vault.endpoint(), new Secret(vault.token()), mount);
    private final VaultClients.Connection connection = VaultClients.connect(settings);
    private final VaultTemplate template = connection.template();
    private final VaultVersionedKeyValueOperations kv = connection.kv();

    @AfterEach
    void stop() {
        connection.close();
        vault.close();
    }

    @Test
    void writesReadsVersionsAndDeletesASecret() {
        kv.put("orgs/acme/aws", Map.of("accessKeyId", "AKIA1", "secretAccessKey", "s1"));
        kv.put("orgs/acme/aws", Map.of("accessKeyId", "AKIA2", "secretAccessKey", "s2"));

        Versioned<Map<String, Object>> latest = kv.get("orgs/acme/aws");
        assertThat(latest.getVersion().getVersion()).isEqualTo(2);
        assertThat(latest.getRequiredData()).containsEntry("accessKeyId", "AKIA2");
        Versioned<Map<String, Object>> first = kv.get("orgs/acme/aws", Versioned.Version.from(1));
        assertThat(first.getRequiredData()).containsEntry("accessKeyId", "AKIA1");
        assertThat(template.opsForVersionedKeyValue(mount).opsForKeyValueMetadata().get("orgs/acme/aws")
                .getCurrentVersion()).isEqualTo(2);
        assertThat(template.list(mount + "/metadata/orgs/")).containsExactly("acme/");

        kv.delete("orgs/acme/aws");
        Versioned<Map<String, Object>> deleted = kv.get("orgs/acme/aws");
        assertThat(deleted.hasData()).isFalse();
        assertThat(deleted.getMetadata().isDeleted()).isTrue();
        kv.undelete("orgs/acme/aws", Versioned.Version.from(2));
        assertThat(kv.get("orgs/acme/aws").getRequiredData()).containsEntry("accessKeyId", "AKIA2");

        template.opsForVersionedKeyValue(mount).opsForKeyValueMetadata().delete("orgs/acme/aws");
        assertThat(kv.get("orgs/acme/aws")).isNull();
    }

    @Test
    void checkAndSetRefusesAStaleWriteAndCreatesOnlyOnce() {
        kv.put("orgs/acme/ca", Versioned.create(Map.of("serial", "01"), Versioned.Version.unversioned()));
        assertThatThrownBy(() -> kv.put("orgs/acme/ca", Versioned.create(Map.of("serial", "02"),
                Versioned.Version.unversioned())))
                .isInstanceOfSatisfying(VaultException.class, e -> assertThat(VaultErrors.isCheckAndSetConflict(e)).isTrue());
        kv.put("orgs/acme/ca", Versioned.create(Map.of("serial", "03"), Versioned.Version.from(1)));
        assertThat(kv.get("orgs/acme/ca").getRequiredData()).containsEntry("serial", "03");
        assertThat(vault.currentVersion("orgs/acme/ca")).isEqualTo(2);
    }

    @Test
    void aLostCheckAndSetRaceIsTransientForWritersAndEmptyForThoseWhoDecideAnew() {
        VaultSecrets secrets = new VaultSecrets(kv, new Retry(new RetrySettings(1, Duration.ofMillis(10),
                Duration.ofMillis(100), 0), new SimpleMeterRegistry()));
        assertThat(secrets.write("orgs/acme/key", Map.of("secret", "first-value"), 0)).isEqualTo(1);

        assertThat(secrets.writeIfAt("orgs/acme/key", Map.of("secret", "second-value"), 0)).isEmpty();
        assertThatThrownBy(() -> secrets.write("orgs/acme/key", Map.of("secret", "third-value"), 0))
                .isInstanceOf(TransientFailureException.class)
                .hasMessageContaining("vault write orgs/acme/key (someone else wrote it first)")
                .hasMessageNotContaining("value")
                .satisfies(e -> assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.TRANSIENT));

        assertThat(secrets.writeIfAt("orgs/acme/key", Map.of("secret", "fourth-value"), 1)).hasValue(2);
        assertThat(secrets.read("orgs/acme/key")).get().extracting(Stored::value)
                .isEqualTo(Map.of("secret", "fourth-value"));
    }

    @Test
    void aRefusedTokenIsForbiddenTransientAndNeverQuoted() {
        VaultSettings wrong = new VaultSettings(vault.endpoint(), new Secret("not-the-token"), mount);
        var intruder = VaultClients.connect(wrong).kv();
        assertThatThrownBy(() -> intruder.get("orgs/acme/aws"))
                .isInstanceOfSatisfying(VaultException.class, e -> {
                    assertThat(e.getMessage()).contains("403").doesNotContain("not-the-token");
                    // Expired, revoked or short of a policy: the installation's fault, so the record waits.
                    assertThat(VaultErrors.isRetryable(e)).isTrue();
                });
    }

    @Test
    void vaultUnreachableOrFailingIsRetryable() {
        try (FaultProxy proxy = FaultProxy.start(vault.endpoint(), 1)) {
            VaultSettings viaProxy = new VaultSettings(proxy.endpoint(), new Secret(vault.token()), mount);
            var kvViaProxy = VaultClients.connect(viaProxy).kv();
            // Logged in (the first call looks the token up), so the fault below meets a data request.
            assertThat(kvViaProxy.get("x")).isNull();
            proxy.failNext(1, io.zonekeeper.testkit.faults.Fault.SERVER_ERROR);
            assertThatThrownBy(() -> kvViaProxy.get("x")).satisfies(e -> assertThat(VaultErrors.isRetryable(e)).isTrue());
            proxy.refuseConnections(true);
            assertThatThrownBy(() -> kvViaProxy.get("x")).satisfies(e -> assertThat(VaultErrors.isRetryable(e)).isTrue());
        }
    }

    @Test
    void aShortLivedTokenIsRenewedBeforeItExpires() throws InterruptedException {
        // Renewable, 10 s to live: without renewal the read after 12 s would be refused.
        String token = OpenBaoServer.shared().createToken(List.of("root"), java.time.Duration.ofSeconds(10));
        VaultSettings shortLived = new VaultSettings(vault.endpoint(), new Secret(token), mount);
        try (VaultClients.Connection renewing = VaultClients.connect(shortLived)) {
            renewing.kv().put("renewed", Map.of("k", "v"));
            Thread.sleep(12_000);
            assertThat(renewing.kv().get("renewed").getRequiredData()).containsEntry("k", "v");
        }
        assertThat(vault.requests("PUT") + vault.requests("POST")).as("the token was renewed").isGreaterThan(1);
    }

    @Test
    void aSealedVaultIsTransient() {
        // A server of its own: sealing the shared one would stop every other test's Vault.
        try (OpenBaoServer sealed = OpenBaoServer.start()) {
            sealed.enableKv("kv");
            sealed.request("PUT", "sys/seal", null);
            var kvOfSealed = VaultClients.connect(new VaultSettings(sealed.endpoint(), new Secret(sealed.token()), "kv"))
                    .kv();
            assertThatThrownBy(() -> kvOfSealed.get("x")).satisfies(e -> {
                assertThat(e.getMessage()).contains("503");
                assertThat(VaultErrors.isRetryable(e)).isTrue();
            });
        }
    }

    @Test
    void countsRequestsByMethodSoTestsCanProveNothingWasWritten() {
        kv.put("a", Map.of("k", "v"));
        vault.resetCounts();
        kv.get("a");
        kv.get("a");
        assertThat(vault.requests("GET")).isEqualTo(2);
        assertThat(vault.mutatingRequests()).isZero();
        assertThat(template.opsForSys().health().isInitialized()).isTrue();
        assertThat(List.of(vault.read("a").orElseThrow())).singleElement()
                .satisfies(data -> assertThat(data).containsEntry("k", "v"));
    }
}
