package io.zonekeeper.testkit.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A pod a {@link ProcessKubelet} runs: its container's process (the process itself, not a wrapper) and its log.
 * {@link #close} stops it as a kubelet does (SIGTERM, SIGKILL after the grace period) and deletes the Pod.
 */
public final class PodProcess implements AutoCloseable {

    private final KubeApiServer server;
    private final Pod pod;
    private final Process process;
    private final Path log;
    private final long graceSeconds;
    private final Runnable cleanup;
    private boolean closed;

    PodProcess(KubeApiServer server, Pod pod, Process process, Path log, long graceSeconds, Runnable cleanup) {
        this.server = server;
        this.pod = pod;
        this.process = process;
        this.log = log;
        this.graceSeconds = graceSeconds;
        this.cleanup = cleanup;
    }

    public String name() {
        return pod.getMetadata().getName();
    }

    /** The Pod as the API server admitted it. */
    public Pod pod() {
        return pod;
    }

    /** The container's output, stdout and stderr. */
    public Path log() {
        return log;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** The container's exit code; -1 while it runs. */
    public int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** SIGKILL, as when the node dies: no shutdown hook runs. The Pod stays until {@link #close}. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        process.destroy();
        try {
            if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (KubernetesClient admin = server.adminClient()) {
            admin.pods().inNamespace(pod.getMetadata().getNamespace()).withName(name()).withGracePeriod(0).delete();
        } catch (RuntimeException e) {
            // the API server may be gone already; the Pod goes with it
        }
        cleanup.run();
    }
}
