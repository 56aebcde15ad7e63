package io.zonekeeper.testkit.kafka;

import io.zonekeeper.testkit.FreePort;
import io.zonekeeper.testkit.LoopbackProgram;
import io.zonekeeper.testkit.RandomSecrets;
import io.zonekeeper.testkit.TempDirectories;
import io.zonekeeper.testkit.tls.LoopbackAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * A Kafka broker secured the way a production cluster is: clients reach it only over SASL_SSL with SCRAM-SHA-512
 * credentials and a certificate from {@link LoopbackAuthority}, and the KRaft {@code StandardAuthorizer} refuses
 * whatever no ACL allows ({@code allow.everyone.if.no.acl.found=false}). Only {@link #ADMIN} is a super user.
 *
 * <p>It runs as a separate process ({@code kafka.Kafka}, from the jars on this JVM's class path), as a real broker
 * does: the in-process test kit cannot take SCRAM credentials at format time, and a process is what a later test kills.
 * Its controller listener takes SASL/PLAIN from the broker alone, on loopback.
 */
public final class SecuredKafka implements KafkaBroker {

    /** The super user, whose credentials {@link #adminConfig()} carries. */
    public static final String ADMIN = "admin";
    private static final String SCRAM = "SCRAM-SHA-512";

    private final Path directory;
    private final LoopbackProgram process;
    private final String bootstrapServers;
    private final Path trustBundle;
    private final String adminPassword;

    private SecuredKafka(Path directory, LoopbackProgram process, String bootstrapServers, Path trustBundle,
                         String adminPassword) {
        this.directory = directory;
        this.process = process;
        this.bootstrapServers = bootstrapServers;
        this.trustBundle = trustBundle;
        this.adminPassword = adminPassword;
    }

    public static SecuredKafka start() {
        try {
            Path directory = Files.createTempDirectory("secured-kafka-");
            LoopbackAuthority authority = LoopbackAuthority.create(directory.resolve("tls"), "secured-kafka-ca");
            LoopbackAuthority.ServerCertificate certificate = authority.issueServer("broker");
            // Kafka's PEM key store file holds the private key and then the certificate chain.
            Path keyStore = directory.resolve("tls/broker.pem");
            Files.writeString(keyStore, Files.readString(certificate.key()) + Files.readString(certificate.chain()));
            int port = FreePort.pick();
            int controllerPort = FreePort.pick();
            String adminPassword = RandomSecrets.password();
            String controllerPassword = RandomSecrets.password();
            Path properties = directory.resolve("server.properties");
            Files.writeString(properties, serverProperties(directory, port, controllerPort, keyStore,
                    authority.trustBundle(), adminPassword, controllerPassword));

            List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", System.getProperty("java.class.path"));
            format(java, directory, properties, adminPassword);
            List<String> command = new ArrayList<>(java);
            command.addAll(List.of("kafka.Kafka", properties.toString()));
            String bootstrap = "127.0.0.1:" + port;
            Map<String, Object> admin = clientConfig(bootstrap, authority.trustBundle(), ADMIN, adminPassword);
            LoopbackProgram process = LoopbackProgram.start("secured-kafka", command,
                    URI.create("kafka://" + bootstrap), () -> answers(admin), Duration.ofSeconds(90));
            return new SecuredKafka(directory, process, bootstrap, authority.trustBundle(), adminPassword);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the secured Kafka broker", e);
        }
    }

    private static String serverProperties(Path directory, int port, int controllerPort, Path keyStore,
                                           Path trustBundle, String adminPassword, String controllerPassword) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "SECURED://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "SECURED://127.0.0.1:" + port);
        p.put("listener.security.protocol.map", "SECURED:SASL_SSL,CONTROLLER:SASL_PLAINTEXT");
        p.put("inter.broker.listener.name", "SECURED");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("log.dirs", directory.resolve("data").toString());

        p.put("listener.name.secured.sasl.enabled.mechanisms", SCRAM);
        p.put("sasl.mechanism.inter.broker.protocol", SCRAM);
        p.put("listener.name.secured.scram-sha-512.sasl.jaas.config", jaas("scram.ScramLoginModule", ADMIN,
                adminPassword, ""));
        p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("listener.name.controller.plain.sasl.jaas.config", jaas("plain.PlainLoginModule", "controller",
                controllerPassword, " user_controller=\"" + controllerPassword + "\""));
        p.put("ssl.keystore.type", "PEM");
        p.put("ssl.keystore.location", keyStore.toString());
        p.put("ssl.truststore.type", "PEM");
        p.put("ssl.truststore.location", trustBundle.toString());

        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + ADMIN + ";User:controller");
        p.put("allow.everyone.if.no.acl.found", "false");

        // One broker: internal topics cannot be replicated; tests should not wait for the production rebalance delay.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        return p.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n"))
                + "\n";
    }

    /** Formats the log directory with the cluster id and the super user's SCRAM credential, as an operator does. */
    private static void format(List<String> java, Path directory, Path properties, String adminPassword)
            throws IOException {
        List<String> command = new ArrayList<>(java);
        command.addAll(List.of("kafka.tools.StorageTool", "format", "--cluster-id", Uuid.randomUuid().toString(),
                "--config", properties.toString(),
                "--add-scram", SCRAM + "=[name=" + ADMIN + ",password=" + adminPassword + "]"));
        Path log = directory.resolve("format.log");
        Process format = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                throw new IOException("formatting the secured broker's storage failed:\n" + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            format.destroyForcibly();
            throw new IOException("interrupted while formatting the secured broker's storage", e);
        }
    }

    private static boolean answers(Map<String, Object> admin) {
        Map<String, Object> quick = new LinkedHashMap<>(admin);
        quick.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
        quick.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        try (Admin client = Admin.create(quick)) {
            return !client.describeCluster().nodes().get(4, TimeUnit.SECONDS).isEmpty();
        } catch (Exception notYet) {
            return false;
        }
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public String description() {
        return "secured KRaft broker (SASL_SSL, SCRAM-SHA-512, StandardAuthorizer) at " + bootstrapServers;
    }

    /** The authority that issued the broker's certificate, as a PEM file: every client's trust bundle. */
    public Path trustBundle() {
        return trustBundle;
    }

    @Override
    public Map<String, Object> adminConfig() {
        return clientConfig(bootstrapServers, trustBundle, ADMIN, adminPassword);
    }

    /** What a client of {@code user} sets to reach the broker, the password inline. */
    public Map<String, Object> clientConfig(String user, String password) {
        return clientConfig(bootstrapServers, trustBundle, user, password);
    }

    /** Creates (or changes the password of) a SCRAM user and returns its new password. */
    public String createUser(String user) {
        String password = RandomSecrets.password();
        try (Admin admin = Admin.create(adminConfig())) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not create the SCRAM user " + user, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the SCRAM user " + user, e);
        }
        return password;
    }

    /** Adds ACLs as the super user. */
    public void allow(Collection<AclBinding> acls) {
        try (Admin admin = Admin.create(adminConfig())) {
            admin.createAcls(acls).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not create ACLs", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating ACLs", e);
        }
    }

    private static Map<String, Object> clientConfig(String bootstrap, Path trustBundle, String user,
                                                    String password) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        config.put(SaslConfigs.SASL_MECHANISM, SCRAM);
        config.put(SaslConfigs.SASL_JAAS_CONFIG, jaas("scram.ScramLoginModule", user, password, ""));
        config.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
        config.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, trustBundle.toString());
        return config;
    }

    private static String jaas(String module, String user, String password, String extra) {
        return "org.apache.kafka.common.security." + module + " required username=\"" + user + "\" password=\""
                + password + "\"" + extra + ";";
    }

    @Override
    public void close() {
        process.close();
        TempDirectories.delete(directory);
    }
}
