package io.zonekeeper.local;

import io.zonekeeper.cert.CertConfig;
import io.zonekeeper.common.config.ConsumerSettings;
import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.kafka.KafkaAccess.Role;
import io.zonekeeper.provisioner.ProvisionerConfig;
import io.zonekeeper.reaper.ReaperConfig;
import io.zonekeeper.testkit.FreePort;
import io.zonekeeper.testkit.aws.MotoServer;
import io.zonekeeper.testkit.vault.ServicePolicies;
import io.zonekeeper.world.ServiceEnvironment;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole of Zonekeeper on this machine: Kafka, the schema registry, the AWS emulator, Vault and simulated
 * clusters started here; the three services each in a JVM of its own, from its own main, configured only through
 * environment variables pointing at them; a scenario driver playing the upstream provisioner; and a live view.
 * Ctrl-C stops everything, children first.
 */
@Command(name = "zonekeeper-local", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs Zonekeeper locally on embedded dependencies with a scenario and a live view.")
public final class LocalRun implements Callable<Integer> {

    @Option(names = "--orgs", defaultValue = "4", description = "organizations in the scenario (default ${DEFAULT-VALUE})")
    int organizations;

    @Option(names = "--clusters", defaultValue = "3", description = "clusters per organization (default ${DEFAULT-VALUE})")
    int clusters;

    @Option(names = "--start", description = "where the simulated clock starts, e.g. 2027-02-28T08:00:00Z (default: 16 hours"
            + " before the coming month boundary, which the whole scenario needs)")
    Instant start;

    @Option(names = "--rate", defaultValue = "600", description = "how many times real speed the simulated clock runs"
            + " (default ${DEFAULT-VALUE}: ten minutes a second)")
    double rate;

    @Option(names = "--real-time", description = "run the services on the system clock, as in production; the scenario"
            + " is compressed into minutes and only the 12-hour rule shows")
    boolean realTime;

    @Option(names = "--no-ui", description = "print audit events and dead letters as lines instead of the live view")
    boolean noUi;

    @Option(names = "--duration", defaultValue = "0", description = "stop after this many seconds (0: run until Ctrl-C)")
    long durationSeconds;

    @Option(names = "--logs", defaultValue = "local-run-logs", description = "where the services' logs go (default ${DEFAULT-VALUE})")
    Path logDir;

    @Option(names = "--seed", defaultValue = "42", hidden = true)
    long seed;

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    private final PrintStream out;
    private final List<AutoCloseable> running = new ArrayList<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Dependencies dependencies;
    private volatile LiveView view;
    private volatile ScenarioDriver driver;
    private volatile Timeline timeline;
    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();

    public LocalRun() {
        this(System.out);
    }

    LocalRun(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        // Before anything logs: the launcher logs to a file, the terminal is the live view's.
        System.setProperty("logback.configurationFile", "logback-local.xml");
        // The launcher's own log goes where --logs says (logback reads this before picocli parses the options).
        System.setProperty("zonekeeper.logs", logDirOf(args));
        System.exit(new CommandLine(new LocalRun()).execute(args));
    }

    /** The value of {@code --logs} in {@code args}, or its default. */
    static String logDirOf(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--logs") && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith("--logs=")) {
                return args[i].substring("--logs=".length());
            }
        }
        return "local-run-logs";
    }

    @Override
    public Integer call() throws Exception {
        if (organizations < 1 || clusters < 1 || !(rate > 0) || rate > 1_000_000) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--orgs and --clusters must be at least 1"
                    + " and --rate between 0 and 1000000");
        }
        if (realTime && start != null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--start is for the simulated clock, not --real-time");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "local-run-stop"));
        try {
            start();
        } catch (Exception e) {
            out.println();
            out.println("could not start: " + e.getMessage());
            stop();
            return 1;
        }
        if (durationSeconds > 0) {
            done.await(durationSeconds, TimeUnit.SECONDS);
            stop();
        } else {
            done.await();
        }
        return 0;
    }

    /** Starts everything; returns when the scenario is under way. */
    void start() throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        int[] step = {0};
        int totalSteps = Dependencies.START_STEPS + 4;
        Consumer<String> progress = what -> out.printf("\r[%d/%d] %-70s", ++step[0], totalSteps, what);
        dependencies = Dependencies.start(progress);
        running.add(dependencies);
        // After the dependencies: the simulated clock reads its start once the services are up.
        Instant now = Instant.now();
        timeline = realTime ? Timeline.realTime(now) : Timeline.simulated(start, rate, now, now.plus(Timeline.STARTUP));
        driver = new ScenarioDriver(dependencies, organizations, clusters, timeline, seed);
        progress.accept("starting " + driver.clusterIds().size() + " simulated clusters");
        driver.prepare(dependencies);

        progress.accept("starting provisioner-service, cert-service and reaper-service");
        Map<String, Map<String, String>> environments = serviceEnvironments(dependencies, timeline);
        start("provisioner-service", "io.zonekeeper.provisioner.Main", environments.get("provisioner-service"));
        start("cert-service", "io.zonekeeper.cert.Main", environments.get("cert-service"));
        start("reaper-service", "io.zonekeeper.reaper.Main", environments.get("reaper-service"));
        progress.accept("waiting for the services to report healthy");
        for (ServiceProcess service : services.values()) {
            service.awaitHealthy(Duration.ofMinutes(3));
        }
        if (timeline.clock().simulated() && timeline.clock().now().isAfter(timeline.start())) {
            out.printf("%nthe services took longer than %ds to start: the simulated clock is already past the scenario's"
                    + " start, so its first steps come late%n", Timeline.STARTUP.toSeconds());
        }
        progress.accept("starting the scenario");
        out.println();
        view = new LiveView(dependencies, out, !noUi, this::header).start();
        running.add(view);
        Thread scenario = new Thread(driver, "scenario-driver");
        scenario.setDaemon(true);
        scenario.start();
        running.add(() -> {
            scenario.interrupt();
            scenario.join(10_000);
        });
        printEndpoints();
        if (noUi) {
            out.println(header());
        }
    }

    /** The file a user sources to point {@code zk} or their own client at this run. */
    Path endpointsFile() {
        return logDir.resolve("zonekeeper-local.env");
    }

    /**
     * Prints where everything listens and writes it as exports to {@link #endpointsFile}, with the clock's settings
     * so {@code zk} reads the run's time; the file is the user's only (it holds the local Vault's root token).
     */
    private void printEndpoints() throws IOException {
        Map<String, String> env = new LinkedHashMap<>(dependencies.clientEnv());
        env.put("ZK_REAPER_URL", "http://127.0.0.1:" + services.get("reaper-service").httpPort());
        env.putAll(timeline.env());
        StringBuilder file = new StringBuilder("# Zonekeeper local run: source this file to reach it with zk or your own"
                + " client.\n");
        env.forEach((name, value) -> file.append("export ").append(name).append("='").append(value).append("'\n"));
        Path path = endpointsFile();
        Files.writeString(path, file.toString());
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // the file stays as the umask made it
        }
        out.printf("Kafka %s, schema registry %s, Vault %s, AWS emulator %s, reaper query %s%n"
                        + "(source %s for zk or your own client)%n", env.get("KAFKA_BOOTSTRAP_SERVERS"),
                env.get("SCHEMA_REGISTRY_URL"), env.get("VAULT_ADDR"), env.get("AWS_ENDPOINT_URL"),
                env.get("ZK_REAPER_URL"), path.toAbsolutePath());
    }

    /**
     * Each service's environment, by service name: the dependencies' endpoints, the clock, and on a simulated
     * clock settings scaled to the scenario's timeline (certificates of 12 hours renew during it; the month-end
     * window is an hour). Nothing here is a switch in service code: all of it is configuration.
     */
    static Map<String, Map<String, String>> serviceEnvironments(Dependencies dependencies, Timeline timeline)
            throws IOException {
        boolean simulated = timeline.clock().simulated();
        ServiceEnvironment provisioner = dependencies.serviceEnv(Role.PROVISIONER, ServicePolicies.PROVISIONER,
                        ProvisionerConfig.CREDENTIALS_VAULT_PREFIX, "zonekeeper/orgs")
                .setAll(timeline.env())
                .set(ServiceIdentity.INSTANCE, "provisioner-local")
                .aws(dependencies.moto.endpoint(), MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY)
                .set(ProvisionerConfig.BASE_DOMAIN, Dependencies.BASE_DOMAIN)
                .set(ProvisionerConfig.PARENT_ZONE_ID, dependencies.parentZoneId)
                .set(ConsumerSettings.SHUTDOWN_GRACE, "5s")
                // The migrated organization's zone was made before Zonekeeper: the local run allows adopting it.
                .set(ProvisionerConfig.ADOPT_UNOWNED_ZONES, true);
        ServiceEnvironment cert = dependencies.serviceEnv(Role.CERT, ServicePolicies.CERT_SERVICE,
                        CertConfig.TLS_VAULT_PREFIX, "zonekeeper/tls")
                .setAll(timeline.env())
                .set(ServiceIdentity.INSTANCE, "cert-local")
                .set(CertConfig.BASE_DOMAIN, Dependencies.BASE_DOMAIN)
                .set(ConsumerSettings.SHUTDOWN_GRACE, "5s");
        if (simulated) {
            cert.set(CertConfig.CERT_VALIDITY, "12h").set(CertConfig.SCHEDULE_EVERY, "5m");
        }
        ServiceEnvironment reaper = dependencies.kafkaEnv(Role.REAPER)
                .setAll(timeline.env())
                .set(ServiceIdentity.INSTANCE, "reaper-local")
                .set(ReaperConfig.STATE_DIR, Files.createTempDirectory("zonekeeper-reaper"))
                .set(ReaperConfig.QUERY_ADVERTISED_HOST, "127.0.0.1")
                // Periods are in the clock's time; on the simulated clock 5 minutes pass in half a real second.
                .set(ReaperConfig.PUNCTUATE_EVERY, simulated ? "5m" : "5s");
        if (simulated) {
            reaper.set(ReaperConfig.MONTH_END_MARGIN, "1h");
        }
        return Map.of("provisioner-service", provisioner.toMap(), "cert-service", cert.toMap(), "reaper-service",
                reaper.toMap());
    }

    private void start(String name, String mainClass, Map<String, String> env) throws IOException {
        ServiceProcess process = ServiceProcess.start(name, mainClass, env, FreePort.pick(), logDir);
        services.put(name, process);
        running.add(process);
    }

    private String header() {
        String health = services.values().stream()
                .map(s -> s.name() + (s.alive() ? " up :" + s.httpPort() : " DOWN"))
                .collect(Collectors.joining(", "));
        ScenarioDriver d = driver;
        Timeline t = timeline;
        String clock = t == null ? "" : t.clock().simulated()
                ? "clock " + TIME.format(t.clock().now()) + " (simulated, " + (long) rate + "x; month boundary "
                        + TIME.format(t.boundary()) + ")"
                : "clock " + TIME.format(t.clock().now()) + " (system)";
        return "Zonekeeper local run — " + organizations + " organizations × " + clusters + " clusters; scenario "
                + (d == null ? 0 : d.done()) + "/" + (d == null ? 0 : d.steps()) + " steps; " + health
                + "\n" + clock
                + "\nlogs in " + logDir.toAbsolutePath() + "; Ctrl-C stops everything";
    }

    /** Stops everything in reverse order of start: view, services (SIGTERM, they close cleanly), dependencies. */
    void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        LiveView v = view;
        if (v != null) {
            out.println();
            out.println("stopping; what happened: " + v.summary());
        }
        List<AutoCloseable> reversed = new ArrayList<>(running);
        Collections.reverse(reversed);
        // Services first and together: each takes a few seconds to close cleanly.
        reversed.stream().filter(r -> r instanceof ServiceProcess).parallel().forEach(LocalRun::closeQuietly);
        reversed.stream().filter(r -> !(r instanceof ServiceProcess)).forEach(LocalRun::closeQuietly);
        done.countDown();
    }

    LiveView view() {
        return view;
    }

    Dependencies dependencies() {
        return dependencies;
    }

    Timeline timeline() {
        return timeline;
    }

    ScenarioDriver driver() {
        return driver;
    }

    Map<String, ServiceProcess> services() {
        return services;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // stopping anyway
        }
    }
}
