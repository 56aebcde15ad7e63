package io.zonekeeper.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One service in a JVM of its own, started from its own {@code main} exactly as in production and configured
 * only through environment variables. Its output goes to a log file.
 */
final class ServiceProcess implements AutoCloseable {

    private final String name;
    private final String mainClass;
    private final String heap;
    private final Map<String, String> env;
    private final Process process;
    private final int httpPort;
    private final Path log;

    private ServiceProcess(String name, String mainClass, String heap, Map<String, String> env, Process process,
                           int httpPort, Path log) {
        this.name = name;
        this.mainClass = mainClass;
        this.heap = heap;
        this.env = env;
        this.process = process;
        this.httpPort = httpPort;
        this.log = log;
    }

    /** The heap a service gets here: enough for the local run's scenario. */
    static final String DEFAULT_HEAP = "384m";

    static ServiceProcess start(String name, String mainClass, Map<String, String> env, int httpPort, Path logDir)
            throws IOException {
        return start(name, mainClass, env, httpPort, logDir, DEFAULT_HEAP, false);
    }

    /** @param heap the JVM's maximum heap, as {@code -Xmx} takes it ({@code 384m}, {@code 1g}) */
    static ServiceProcess start(String name, String mainClass, Map<String, String> env, int httpPort, Path logDir,
                                String heap) throws IOException {
        return start(name, mainClass, env, httpPort, logDir, heap, false);
    }

    private static ServiceProcess start(String name, String mainClass, Map<String, String> env, int httpPort,
                                        Path logDir, String heap, boolean appendLog) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.add("-XX:+UseSerialGC");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        // A service reads the simulated clock from a real instant (CLOCK_ANCHOR), so it must see the machine's
        // clock as this process does: a clock shifted for the whole run (libfaketime) is passed on, nothing else.
        System.getenv().forEach((variable, value) -> {
            if (variable.equals("LD_PRELOAD") || variable.startsWith("FAKETIME")) {
                builder.environment().put(variable, value);
            }
        });
        builder.environment().putAll(env);
        builder.environment().put("HTTP_PORT", Integer.toString(httpPort));
        Path log = logDir.resolve(name + ".log");
        // A restarted instance's log follows the one it replaces.
        builder.redirectErrorStream(true).redirectOutput(appendLog ? ProcessBuilder.Redirect.appendTo(log.toFile())
                : ProcessBuilder.Redirect.to(log.toFile()));
        Process process = builder.start();
        // A child must not outlive the JVM that started it (a test or local run stopped with Ctrl-C or SIGTERM): it
        // gets SIGTERM and closes cleanly. After a SIGKILL of this JVM nothing runs, and the children stay.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, name + "-stop"));
        return new ServiceProcess(name, mainClass, heap, Map.copyOf(env), process, httpPort, log);
    }

    /** SIGKILL, as when the machine or the container dies: no shutdown hook runs, nothing is committed. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** The same service started again, with the same settings, port and log. */
    ServiceProcess restart() throws IOException {
        return start(name, mainClass, env, httpPort, log.getParent(), heap, true);
    }

    String name() {
        return name;
    }

    int httpPort() {
        return httpPort;
    }

    /** The JVM's process id, for the JDK's own tools ({@code jcmd}). */
    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Waits until {@code /health} answers 200; fails if the process exits first. */
    void awaitHealthy(Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                        + "/health")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(name + " not healthy within " + timeout + "; see " + log);
    }

    /** SIGTERM (the service closes cleanly), then SIGKILL after a grace period. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
