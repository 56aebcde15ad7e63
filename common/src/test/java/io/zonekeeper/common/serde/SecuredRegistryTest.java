package io.zonekeeper.common.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonekeeper.common.config.ConfigException;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.RetrySettings;
import io.zonekeeper.common.retry.Failures;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import io.zonekeeper.testkit.tls.LoopbackAuthority;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry client against a registry that asks for credentials and serves HTTPS only, as a managed or secured
 * registry does: Apicurio Registry with its own TLS certificate, HTTP basic users and bearer tokens (JWTs it verifies
 * with a public key). Credentials and the trust bundle come from files, as a mounted Secret gives them.
 */
class SecuredRegistryTest {

    private static final String PASSWORD = "pw-" + UUID.randomUUID();

    @TempDir
    static Path files;
    private static LoopbackAuthority authority;
    private static KeyPair tokenSigner;
    private static ApicurioRegistry registry;

    private final String subject = "org.clusters.v1-value-" + UUID.randomUUID();
    private final Retry retry = new Retry(new RetrySettings(2, Duration.ofMillis(5), Duration.ofMillis(20), 0.5),
            new SimpleMeterRegistry());

    @BeforeAll
    static void start() throws GeneralSecurityException {
        authority = LoopbackAuthority.create(files.resolve("tls"), "zonekeeper-test-ca");
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        tokenSigner = rsa.generateKeyPair();
        registry = ApicurioRegistry.startSecured(new ApicurioRegistry.Security(authority.issueServer("registry"),
                Map.of("provisioner", PASSWORD), tokenSigner.getPublic()));
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    void basicAuthenticationFromAFileOverTheGivenTrustBundle() throws IOException {
        RegistryAccess access = new RegistryAccess(Optional.of(write("user-info", "provisioner:" + PASSWORD + "\n")),
                Optional.empty(), Optional.of(authority.trustBundle()));
        SchemaRegistryClient client = client(access);

        int id = client.register(subject, OrgClusters.getClassSchema());

        assertThat(client(access).schemaById(id).getFullName()).isEqualTo(OrgClusters.getClassSchema().getFullName());
    }

    @Test
    void refusedCredentialsAreATransientFaultNamingTheFileNeverThePassword() throws IOException {
        Path userInfo = write("wrong-user-info", "provisioner:not-" + PASSWORD);
        SchemaRegistryClient client = client(new RegistryAccess(Optional.of(userInfo), Optional.empty(),
                Optional.of(authority.trustBundle())));

        assertThatThrownBy(() -> client.register(subject, OrgClusters.getClassSchema()))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .satisfies(e -> assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.TRANSIENT))
                .hasMessageContaining("refused the user in " + userInfo)
                .hasMessageContaining("HTTP 401")
                .message().doesNotContain(PASSWORD);
    }

    @Test
    void noCredentialsAreRefusedToo() {
        SchemaRegistryClient client = client(new RegistryAccess(Optional.empty(), Optional.empty(),
                Optional.of(authority.trustBundle())));

        assertThatThrownBy(() -> client.schemaById(1)).isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("HTTP 401");
    }

    @Test
    void aBearerTokenIsReadAgainAtEachRequestSoARefreshedOneIsUsedWithoutARestart() throws Exception {
        Path token = write("token", jwt(Instant.now().minusSeconds(60)));
        SchemaRegistryClient client = client(new RegistryAccess(Optional.empty(), Optional.of(token),
                Optional.of(authority.trustBundle())));
        assertThatThrownBy(() -> client.register(subject, OrgClusters.getClassSchema()))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("refused the token in " + token);

        // The token's refresher (a sidecar, a projected token) writes a new one; the same client now gets in.
        Files.writeString(token, jwt(Instant.now().plusSeconds(600)));

        assertThat(client.register(subject, OrgClusters.getClassSchema())).isPositive();
    }

    @Test
    void aRegistryWhoseCertificateIsNotTrustedIsUnavailableNotABadRecord() throws IOException {
        // The JVM's own authorities, which do not include the installation's CA.
        SchemaRegistryClient client = client(new RegistryAccess(
                Optional.of(write("user-info-2", "provisioner:" + PASSWORD)), Optional.empty(), Optional.empty()));

        assertThatThrownBy(() -> client.schemaById(1)).isInstanceOf(SchemaRegistryUnavailableException.class)
                .satisfies(e -> assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.TRANSIENT));
    }

    @Test
    void settingsNameTheirFilesAndRefuseTwoKindsOfCredentials() throws IOException {
        Path userInfo = write("user-info-3", "provisioner:" + PASSWORD);
        EnvReader env = new EnvReader(Map.of(
                "SCHEMA_REGISTRY_USER_INFO_FILE", userInfo.toString(),
                "SCHEMA_REGISTRY_BEARER_TOKEN_FILE", userInfo.toString(),
                "SCHEMA_REGISTRY_CA_FILE", files.resolve("missing.pem").toString()));

        RegistryAccess.read(env);

        assertThatThrownBy(env::validate).isInstanceOf(ConfigException.class)
                .hasMessageContaining("SCHEMA_REGISTRY_USER_INFO_FILE or SCHEMA_REGISTRY_BEARER_TOKEN_FILE, not both")
                .hasMessageContaining("SCHEMA_REGISTRY_CA_FILE names " + files.resolve("missing.pem"));
        assertThat(env.describe()).doesNotContain(PASSWORD);
    }

    private SchemaRegistryClient client(RegistryAccess access) {
        return new RestSchemaRegistryClient(registry.endpoint(), retry, access);
    }

    private static Path write(String name, String content) throws IOException {
        return Files.writeString(files.resolve(name), content);
    }

    /** A JWT signed with RS256, expiring at {@code expiry}: what an identity provider issues a service. */
    private static String jwt(Instant expiry) throws GeneralSecurityException {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        String header = base64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = base64.encodeToString(("{\"sub\":\"provisioner-service\",\"iss\":\"zonekeeper-test\",\"iat\":"
                + (expiry.getEpochSecond() - 900) + ",\"exp\":" + expiry.getEpochSecond() + "}")
                .getBytes(StandardCharsets.UTF_8));
        PrivateKey key = tokenSigner.getPrivate();
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initSign(key);
        rs256.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
        return header + "." + claims + "." + base64.encodeToString(rs256.sign());
    }
}
