package io.zonekeeper.local;

import io.zonekeeper.common.kafka.KafkaAccess;
import io.zonekeeper.common.kafka.KafkaAccess.Role;
import io.zonekeeper.common.serde.RegistryAccess;
import io.zonekeeper.testkit.RandomSecrets;
import io.zonekeeper.testkit.TempDirectories;
import io.zonekeeper.testkit.kafka.SecuredKafka;
import io.zonekeeper.testkit.registry.ApicurioRegistry;
import io.zonekeeper.testkit.tls.LoopbackAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every principal's credentials for a secured installation, kept the way a platform team mounts Kubernetes Secrets:
 * one directory per Secret, a file per key, and the settings that point at them. Passwords never appear in a
 * variable: Kafka's {@code DirectoryConfigProvider} reads the SASL password from its file, and the registry client
 * reads {@code user:password} from {@code SCHEMA_REGISTRY_USER_INFO_FILE}.
 */
final class SecuredAccess implements AutoCloseable {

    private static final String DIRECTORY_PROVIDER = "org.apache.kafka.common.config.provider.DirectoryConfigProvider";

    private final Path secrets;
    private final SecuredKafka kafka;
    private final LoopbackAuthority registryAuthority;
    private final Map<Role, String> kafkaPasswords = new EnumMap<>(Role.class);
    private final Map<Role, String> registryPasswords = new EnumMap<>(Role.class);

    private SecuredAccess(Path secrets, SecuredKafka kafka, LoopbackAuthority registryAuthority) {
        this.secrets = secrets;
        this.kafka = kafka;
        this.registryAuthority = registryAuthority;
    }

    /** A SCRAM user on {@code kafka} and a registry user for every role, their secrets written to files. */
    static SecuredAccess create(SecuredKafka kafka) {
        try {
            Path secrets = Files.createTempDirectory("zonekeeper-secrets-");
            SecuredAccess access = new SecuredAccess(secrets, kafka,
                    LoopbackAuthority.create(secrets.resolve("registry-ca"), "zonekeeper-registry-ca"));
            for (Role role : Role.values()) {
                access.kafkaPasswords.put(role, kafka.createUser(role.defaultUser()));
                access.registryPasswords.put(role, RandomSecrets.password());
                write(secrets.resolve("kafka-" + role.label()).resolve("password"), access.kafkaPasswords.get(role));
                write(secrets.resolve("registry-" + role.label()).resolve("user-info"),
                        role.defaultUser() + ":" + access.registryPasswords.get(role));
            }
            return access;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Grants every role the ACLs {@code zk acls} prints. */
    void grantAll() {
        for (Role role : Role.values()) {
            kafka.allow(KafkaAccess.acls(role, role.defaultUser(), KafkaAccess.Names.defaults()));
        }
    }

    /** How the registry serves: HTTPS with a certificate of its own authority, a user per role. */
    ApicurioRegistry.Security registrySecurity() {
        Map<String, String> users = new LinkedHashMap<>();
        registryPasswords.forEach((role, password) -> users.put(role.defaultUser(), password));
        return new ApicurioRegistry.Security(registryAuthority.issueServer("registry"), users, null);
    }

    /**
     * The settings a process of {@code role} adds to the broker's and the registry's addresses: Kafka client
     * properties (SASL_SSL, SCRAM-SHA-512, the broker's authority, the password from its file) and the registry's
     * credentials and authority, as files.
     */
    Map<String, String> env(Role role) {
        return env(role, role.defaultUser(), secrets.resolve("kafka-" + role.label()));
    }

    /** A principal with a password and no ACLs (what a service gets when its user was forgotten in the grants). */
    String userWithoutAcls(String user) {
        return kafka.createUser(user);
    }

    private Map<String, String> env(Role role, String user, Path passwordDirectory) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_SSL");
        env.put("KAFKA_CLIENT_SASL_MECHANISM", "SCRAM-SHA-512");
        env.put("KAFKA_CLIENT_SSL_TRUSTSTORE_TYPE", "PEM");
        env.put("KAFKA_CLIENT_SSL_TRUSTSTORE_LOCATION", kafka.trustBundle().toString());
        env.put("KAFKA_CLIENT_CONFIG_PROVIDERS", "secrets");
        env.put("KAFKA_CLIENT_CONFIG_PROVIDERS_SECRETS_CLASS", DIRECTORY_PROVIDER);
        env.put("KAFKA_CLIENT_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"" + user + "\" password=\"${secrets:" + passwordDirectory + ":password}\";");
        env.put(RegistryAccess.USER_INFO_FILE.name(), userInfoFile(role).toString());
        env.put(RegistryAccess.CA_FILE.name(), registryAuthority.trustBundle().toString());
        return env;
    }

    String kafkaPassword(Role role) {
        return kafkaPasswords.get(role);
    }

    Path userInfoFile(Role role) {
        return secrets.resolve("registry-" + role.label()).resolve("user-info");
    }

    Path registryTrustBundle() {
        return registryAuthority.trustBundle();
    }

    Path kafkaTrustBundle() {
        return kafka.trustBundle();
    }

    private static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        TempDirectories.delete(secrets);
    }
}
