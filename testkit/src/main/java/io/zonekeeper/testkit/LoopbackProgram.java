package io.zonekeeper.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real program the tests run as a child process, serving HTTP on a loopback port (the AWS emulator, OpenBao,
 * etcd, kube-apiserver):
 * started with its output in a log file, ready once a GET of a given path answers 200, stopped on close. What
 * each program serves is its owner's business; starting, waiting and stopping are done here once.
 */
public final class LoopbackProgram implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final URI endpoint;
    private final Path log;

    private LoopbackProgram(String name, Process process, URI endpoint, Path log) {
        this.name = name;
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
    }

    /** Whether the program serves yet; an IOException means "not listening yet", like false. */
    @FunctionalInterface
    public interface Readiness {
        boolean ready() throws IOException, InterruptedException;
    }

    /**
     * Runs {@code command}, which makes the program listen at {@code endpoint}, and waits until {@code readyPath}
     * answers 200 to a plain HTTP GET; a program that exits or stays silent fails the start with its log.
     */
    public static LoopbackProgram start(String name, List<String> command, URI endpoint, String readyPath,
                                        Duration timeout) {
        return start(name, command, null, endpoint, readyPath, timeout);
    }

    /** Runs {@code command} and waits until {@code readiness} says the program serves. */
    public static LoopbackProgram start(String name, List<String> command, URI endpoint, Readiness readiness,
                                        Duration timeout) {
        return start(name, command, null, endpoint, readiness, timeout);
    }

    /**
     * Runs {@code command} with exactly {@code environment} (plus PATH and HOME; the test JVM's own variables, say
     * an AWS profile, must not leak into a program that models a pod), ready once {@code readyPath} answers 200.
     */
    public static LoopbackProgram start(String name, List<String> command, Map<String, String> environment,
                                        URI endpoint, String readyPath, Duration timeout) {
        return start(name, command, environment, endpoint, () -> HTTP.send(HttpRequest.newBuilder(
                endpoint.resolve(readyPath)).timeout(Duration.ofSeconds(2)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200, timeout);
    }

    private static LoopbackProgram start(String name, List<String> command, Map<String, String> environment,
                                         URI endpoint, Readiness readiness, Duration timeout) {
        try {
            Path log = Files.createTempFile(name + "-" + endpoint.getPort() + "-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            if (environment != null) {
                Map<String, String> inherited = builder.environment();
                String path = inherited.get("PATH");
                String home = inherited.get("HOME");
                inherited.clear();
                if (path != null) {
                    inherited.put("PATH", path);
                }
                if (home != null) {
                    inherited.put("HOME", home);
                }
                inherited.putAll(environment);
            }
            Process process = builder.start();
            LoopbackProgram program = new LoopbackProgram(name, process, endpoint, log);
            program.awaitReady(readiness, timeout);
            return program;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    public URI endpoint() {
        return endpoint;
    }

    public Path log() {
        return log;
    }

    private void awaitReady(Readiness readiness, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                if (readiness.ready()) {
                    return;
                }
                Thread.sleep(100);
            } catch (IOException notListeningYet) {
                sleepBriefly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IOException("interrupted while waiting for " + name, e);
            }
        }
        close();
        throw new IOException(name + " did not answer within " + timeout + ":\n" + Files.readString(log));
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL, as when the machine dies: no shutdown of the program's own runs. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
