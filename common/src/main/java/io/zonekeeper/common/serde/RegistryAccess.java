package io.zonekeeper.common.serde;

import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.Setting;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How a client proves itself to the schema registry, and which certificate authorities it trusts for HTTPS. Every
 * secret is a file (a mounted Kubernetes Secret), never a value in the environment, and is read again on each request
 * the client makes: a rotated password or a refreshed token is used without a restart. The registry is asked rarely,
 * since schemas are cached for the life of the client.
 *
 * <ul>
 *   <li>{@code SCHEMA_REGISTRY_USER_INFO_FILE}: a file holding {@code user:password}, sent as HTTP basic
 *       authentication (the format of Confluent's {@code basic.auth.user.info});</li>
 *   <li>{@code SCHEMA_REGISTRY_BEARER_TOKEN_FILE}: a file holding a token, sent as {@code Authorization: Bearer};</li>
 *   <li>{@code SCHEMA_REGISTRY_CA_FILE}: a PEM bundle of the authorities trusted instead of the JVM's own.</li>
 * </ul>
 */
public record RegistryAccess(Optional<Path> userInfoFile, Optional<Path> bearerTokenFile, Optional<Path> trustBundle) {

    public static final RegistryAccess NONE = new RegistryAccess(Optional.empty(), Optional.empty(), Optional.empty());

    public RegistryAccess {
        if (userInfoFile.isPresent() && bearerTokenFile.isPresent()) {
            throw new IllegalArgumentException("the schema registry takes basic authentication or a bearer token,"
                    + " not both");
        }
    }

    public static final Setting<Optional<Path>> USER_INFO_FILE = Setting.optionalFile("SCHEMA_REGISTRY_USER_INFO_FILE",
            "a file holding user:password for the registry's basic authentication, read at each request");
    public static final Setting<Optional<Path>> BEARER_TOKEN_FILE = Setting.optionalFile(
            "SCHEMA_REGISTRY_BEARER_TOKEN_FILE", "a file holding a bearer token for the registry, read at each request");
    public static final Setting<Optional<Path>> CA_FILE = Setting.optionalFile("SCHEMA_REGISTRY_CA_FILE",
            "a PEM bundle of the authorities trusted for the registry's HTTPS certificate");

    public static RegistryAccess read(EnvReader env) {
        Optional<Path> userInfo = USER_INFO_FILE.read(env);
        Optional<Path> token = BEARER_TOKEN_FILE.read(env);
        Optional<Path> trust = CA_FILE.read(env);
        if (userInfo.isPresent() && token.isPresent()) {
            env.problem("set SCHEMA_REGISTRY_USER_INFO_FILE or SCHEMA_REGISTRY_BEARER_TOKEN_FILE, not both");
            return new RegistryAccess(userInfo, Optional.empty(), trust);
        }
        return new RegistryAccess(userInfo, token, trust);
    }

    /** The {@code Authorization} header's value, read from its file now; empty when the registry is open. */
    public Optional<String> authorization() {
        if (userInfoFile.isPresent()) {
            String userInfo = secret(userInfoFile.get());
            if (userInfo.indexOf(':') < 1) {
                // Never the content: it is a password.
                throw new IllegalStateException(userInfoFile.get() + " must hold user:password");
            }
            return Optional.of("Basic " + Base64.getEncoder()
                    .encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
        }
        return bearerTokenFile.map(file -> "Bearer " + secret(file));
    }

    /** Where to look when the registry refuses this client's credentials. */
    String credentialsSource() {
        return userInfoFile.map(f -> "the user in " + f)
                .or(() -> bearerTokenFile.map(f -> "the token in " + f))
                .orElse("no credentials (SCHEMA_REGISTRY_USER_INFO_FILE or SCHEMA_REGISTRY_BEARER_TOKEN_FILE)");
    }

    /** The TLS context trusting only the bundle, or the JVM's default when none is configured. */
    public SSLContext sslContext() {
        try {
            if (trustBundle.isEmpty()) {
                return SSLContext.getDefault();
            }
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            Collection<? extends Certificate> certificates;
            try (InputStream in = Files.newInputStream(trustBundle.get())) {
                certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            }
            if (certificates.isEmpty()) {
                throw new IllegalStateException(trustBundle.get() + " holds no PEM certificate");
            }
            int n = 0;
            for (Certificate certificate : certificates) {
                trusted.setCertificateEntry("ca-" + n++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the schema registry's trust bundle " + trustBundle.orElseThrow(),
                    e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot use the schema registry's trust bundle " + trustBundle
                    .map(Path::toString).orElse("(the JVM's)") + ": " + e.getMessage(), e);
        }
    }

    private static String secret(Path file) {
        try {
            // Files written by hand or by `kubectl create secret --from-file` often end with a newline.
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the schema registry's credentials from " + file, e);
        }
    }
}
