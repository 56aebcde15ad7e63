package io.zonekeeper.testkit.kafka;

import io.zonekeeper.testkit.FreePort;
import io.zonekeeper.testkit.LoopbackProgram;
import io.zonekeeper.testkit.TempDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A Kafka cluster laid out as production runs one: three nodes as separate processes ({@code kafka.Kafka}, from the
 * jars on this JVM's class path), each broker and controller (KRaft, a static quorum of three), every topic
 * replicated three times with {@code min.insync.replicas=2}, so one node may die, the controller included, and no
 * acknowledged record is lost and no writer stops. A node is SIGKILLed ({@link #kill}) and started again on its ports
 * and log directory ({@link #restart}).
 *
 * <p>Clients named at the start ({@code routed}) each reach every node on a listener of their own, advertised at an
 * address the test puts a proxy on ({@link #route}): Kafka clients connect to the addresses the cluster advertises,
 * so a fault between one client and the brokers needs a listener per client. {@link #bootstrapServers()} is the
 * nodes' own listener, for the test's own clients.
 */
public final class KafkaCluster implements KafkaBroker {

    public static final int NODES = 3;

    /** Where a routed client's traffic to one node goes: a proxy listening at {@code advertised}, to {@code node}. */
    public record Route(String client, int nodeId, int advertised, int node) {
    }

    /** One node: its id, its own listener's and its controller's ports, its directory and properties file. */
    private record Node(int id, int port, int controllerPort, Path directory, Path properties) {
    }

    private final Path directory;
    private final List<Node> nodes;
    private final List<Route> routes;
    private final List<String> command;
    private final LoopbackProgram[] programs;

    private KafkaCluster(Path directory, List<Node> nodes, List<Route> routes, List<String> command) {
        this.directory = directory;
        this.nodes = nodes;
        this.routes = routes;
        this.command = command;
        this.programs = new LoopbackProgram[nodes.size()];
    }

    /** @param routed the clients that each get a listener on every node, advertised where their proxy will listen */
    public static KafkaCluster start(Set<String> routed) {
        try {
            Path directory = Files.createTempDirectory("kafka-cluster-");
            List<Node> nodes = new ArrayList<>();
            for (int id = 1; id <= NODES; id++) {
                Path nodeDirectory = Files.createDirectories(directory.resolve("node-" + id));
                nodes.add(new Node(id, FreePort.pick(), FreePort.pick(), nodeDirectory,
                        nodeDirectory.resolve("server.properties")));
            }
            List<Route> routes = new ArrayList<>();
            for (String client : routed.stream().sorted().toList()) {
                for (Node node : nodes) {
                    routes.add(new Route(client, node.id(), FreePort.pick(), FreePort.pick()));
                }
            }
            String voters = nodes.stream().map(n -> n.id() + "@127.0.0.1:" + n.controllerPort())
                    .collect(Collectors.joining(","));
            for (Node node : nodes) {
                Files.writeString(node.properties(), serverProperties(node, voters, routes));
            }
            List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"));
            String clusterId = Uuid.randomUuid().toString();
            eachAtOnce(nodes, node -> format(java, node, clusterId));
            KafkaCluster cluster = new KafkaCluster(directory, List.copyOf(nodes), List.copyOf(routes), java);
            // A node alone has no quorum and never answers: all three start at once, then each is awaited.
            eachAtOnce(nodes, node -> cluster.startNode(node.id()));
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the Kafka cluster", e);
        }
    }

    private static String serverProperties(Node node, String voters, List<Route> routes) {
        List<Route> own = routes.stream().filter(r -> r.nodeId() == node.id()).toList();
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(node.id()));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "NODE://127.0.0.1:" + node.port() + ",CONTROLLER://127.0.0.1:" + node.controllerPort()
                + own.stream().map(r -> "," + listener(r.client()) + "://127.0.0.1:" + r.node())
                .collect(Collectors.joining()));
        p.put("advertised.listeners", "NODE://127.0.0.1:" + node.port()
                + own.stream().map(r -> "," + listener(r.client()) + "://127.0.0.1:" + r.advertised())
                .collect(Collectors.joining()));
        p.put("listener.security.protocol.map", "NODE:PLAINTEXT,CONTROLLER:PLAINTEXT"
                + own.stream().map(r -> "," + listener(r.client()) + ":PLAINTEXT").collect(Collectors.joining()));
        p.put("inter.broker.listener.name", "NODE");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("log.dirs", node.directory().resolve("data").toString());
        // As production: every record on three nodes, acknowledged by two; the internal topics too.
        p.put("default.replication.factor", "3");
        p.put("min.insync.replicas", "2");
        p.put("offsets.topic.replication.factor", "3");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "3");
        p.put("transaction.state.log.min.isr", "2");
        p.put("transaction.state.log.num.partitions", "6");
        p.put("share.coordinator.state.topic.replication.factor", "3");
        p.put("share.coordinator.state.topic.min.isr", "2");
        p.put("unclean.leader.election.enable", "false");
        p.put("auto.create.topics.enable", "false");
        // Tests should not wait for the production rebalance delay.
        p.put("group.initial.rebalance.delay.ms", "0");
        return p.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n"))
                + "\n";
    }

    /** A client's listener name: Kafka's listener names are upper-case identifiers. */
    private static String listener(String client) {
        return "CLIENT_" + client.toUpperCase().replaceAll("[^A-Z0-9]", "_");
    }

    private interface NodeStep {
        void run(Node node) throws IOException;
    }

    /** Runs {@code step} for every node at once (each is a JVM to start) and waits for all. */
    private static void eachAtOnce(List<Node> nodes, NodeStep step) {
        CompletableFuture.allOf(nodes.stream().map(node -> CompletableFuture.runAsync(() -> {
            try {
                step.run(node);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })).toArray(CompletableFuture[]::new)).join();
    }

    private static void format(List<String> java, Node node, String clusterId) throws IOException {
        List<String> command = new ArrayList<>(java);
        command.addAll(List.of("kafka.tools.StorageTool", "format", "--cluster-id", clusterId, "--config",
                node.properties().toString()));
        Path log = node.directory().resolve("format.log");
        Process format = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                throw new IOException("formatting node " + node.id() + "'s storage failed:\n" + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            format.destroyForcibly();
            throw new IOException("interrupted while formatting node " + node.id() + "'s storage", e);
        }
    }

    private void startNode(int id) {
        Node node = nodes.get(id - 1);
        List<String> start = new ArrayList<>(command);
        start.addAll(List.of("kafka.Kafka", node.properties().toString()));
        String own = "127.0.0.1:" + node.port();
        programs[id - 1] = LoopbackProgram.start("kafka-node-" + id, start, URI.create("kafka://" + own),
                () -> answers(own), Duration.ofMinutes(2));
    }

    /** Whether the node serves metadata: it has joined the quorum and knows the cluster. */
    private static boolean answers(String bootstrap) {
        Map<String, Object> quick = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        try (Admin client = Admin.create(quick)) {
            return !client.describeCluster().nodes().get(4, TimeUnit.SECONDS).isEmpty();
        } catch (Exception notYet) {
            return false;
        }
    }

    /** SIGKILL of one node, as when its machine dies: no shutdown, nothing flushed. */
    public void kill(int nodeId) {
        programs[nodeId - 1].kill();
    }

    /** The nodes started again on their ports and log directories, at once, once each serves. */
    public void restart(int... nodeIds) {
        List<Node> stopped = new ArrayList<>();
        for (int id : nodeIds) {
            if (programs[id - 1].alive()) {
                throw new IllegalStateException("node " + id + " is running; kill it first");
            }
            stopped.add(nodes.get(id - 1));
        }
        eachAtOnce(stopped, node -> startNode(node.id()));
    }

    public boolean alive(int nodeId) {
        return programs[nodeId - 1].alive();
    }

    /** Every node's id, 1 to {@link #NODES}. */
    public List<Integer> nodeIds() {
        return IntStream.rangeClosed(1, nodes.size()).boxed().toList();
    }

    /** The routes of every client named at the start, a proxy needed on each. */
    public List<Route> routes() {
        return routes;
    }

    /** Where {@code client} bootstraps: its routes' advertised addresses, the proxies in front of every node. */
    public String bootstrapServers(String client) {
        String servers = routes.stream().filter(r -> r.client().equals(client))
                .map(r -> "127.0.0.1:" + r.advertised()).collect(Collectors.joining(","));
        if (servers.isEmpty()) {
            throw new IllegalArgumentException(client + " was not routed when the cluster started");
        }
        return servers;
    }

    @Override
    public String bootstrapServers() {
        return nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
    }

    @Override
    public short replicationFactor() {
        return (short) NODES;
    }

    @Override
    public String description() {
        return NODES + " KRaft nodes as processes (broker and controller each) at " + bootstrapServers();
    }

    @Override
    public void close() {
        for (LoopbackProgram program : programs) {
            if (program != null) {
                program.close();
            }
        }
        TempDirectories.delete(directory);
    }
}
