package io.zonekeeper.testkit.externaldns;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.zonekeeper.testkit.FreePort;
import io.zonekeeper.testkit.GoTools;
import io.zonekeeper.testkit.LoopbackProgram;
import io.zonekeeper.testkit.TempDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real ExternalDNS (built by {@link GoTools} at the version of the provisioner's default image) run as a process
 * the way a kubelet would run the Deployment Zonekeeper wrote: the container's own args and env, its Secret volume
 * written to a folder and the env's paths into that volume pointed there, and a kubeconfig standing in for the
 * pod's service account. Three things differ from a pod, each because a process is not one: {@code --kubeconfig}
 * (no in-cluster service account), {@code --metrics-address} on a free loopback port (a pod has a network of its
 * own), and {@code AWS_ENDPOINT_URL} pointing the AWS SDK at the emulator.
 */
public final class ExternalDnsProcess implements AutoCloseable {

    private final LoopbackProgram program;
    private final Path work;

    private ExternalDnsProcess(LoopbackProgram program, Path work) {
        this.program = program;
        this.work = work;
    }

    /**
     * Starts the Deployment's first container with the Secrets its volumes name ({@code secrets} by name), against
     * the cluster {@code kubeconfig} reaches and the AWS endpoint {@code aws}; ready once its health check answers.
     */
    public static ExternalDnsProcess start(Deployment deployment, Map<String, Secret> secrets, String kubeconfig,
                                           URI aws) {
        Path binary = GoTools.executable(GoTools.EXTERNAL_DNS);
        Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        Path work;
        try {
            work = Files.createTempDirectory("external-dns");
            Map<String, Path> mounts = mountSecrets(deployment, container, secrets, work);
            Path kubeconfigFile = Files.writeString(work.resolve("kubeconfig"), kubeconfig);
            int port = FreePort.pick();
            List<String> command = new ArrayList<>();
            command.add(binary.toString());
            container.getArgs().stream().filter(arg -> !arg.startsWith("--metrics-address=")).forEach(command::add);
            command.add("--kubeconfig=" + kubeconfigFile);
            command.add("--metrics-address=127.0.0.1:" + port);
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvVar variable : container.getEnv() == null ? List.<EnvVar>of() : container.getEnv()) {
                env.put(variable.getName(), remap(variable.getValue(), mounts));
            }
            env.put("AWS_ENDPOINT_URL", aws.toString());
            LoopbackProgram program = LoopbackProgram.start("external-dns", command, env,
                    URI.create("http://127.0.0.1:" + port), "/healthz", Duration.ofSeconds(60));
            return new ExternalDnsProcess(program, work);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start ExternalDNS", e);
        }
    }

    /** What the program printed so far. */
    public String log() {
        try {
            return Files.readString(program.log());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last lines it printed, for a failing test's message. */
    public String logTail() {
        String log = log();
        return log.length() <= 3000 ? log : "…" + log.substring(log.length() - 3000);
    }

    /** Whether the process still runs (ExternalDNS exits on a fatal error, e.g. no AWS region). */
    public boolean alive() {
        return program.alive();
    }

    @Override
    public void close() {
        program.close();
        TempDirectories.delete(work);
    }

    /** Writes each Secret volume's keys as files, as the kubelet does; mount path in the pod -> folder here. */
    private static Map<String, Path> mountSecrets(Deployment deployment, Container container,
                                                  Map<String, Secret> secrets, Path work) throws IOException {
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (VolumeMount mount : container.getVolumeMounts() == null ? List.<VolumeMount>of()
                : container.getVolumeMounts()) {
            Volume volume = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                    .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
            if (volume.getSecret() == null) {
                continue;
            }
            Secret secret = secrets.get(volume.getSecret().getSecretName());
            if (secret == null) {
                throw new IllegalArgumentException("the Deployment mounts Secret " + volume.getSecret().getSecretName()
                        + ", which was not given");
            }
            Path folder = Files.createDirectories(work.resolve("volumes").resolve(mount.getName()));
            for (var entry : secret.getData().entrySet()) {
                Files.write(folder.resolve(entry.getKey()), Base64.getDecoder().decode(entry.getValue()));
            }
            mounts.put(mount.getMountPath(), folder);
        }
        return mounts;
    }

    private static String remap(String value, Map<String, Path> mounts) {
        if (value == null) {
            return "";
        }
        for (var mount : mounts.entrySet()) {
            if (value.startsWith(mount.getKey() + "/")) {
                return mount.getValue().resolve(value.substring(mount.getKey().length() + 1)).toString();
            }
        }
        return value;
    }
}
