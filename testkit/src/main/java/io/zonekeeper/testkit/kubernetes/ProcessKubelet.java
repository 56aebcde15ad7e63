package io.zonekeeper.testkit.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.zonekeeper.testkit.TempDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Runs the pods of a Deployment or StatefulSet as processes on this machine, the way a kubelet runs them in
 * containers, since no container runtime runs here. What the kubelet does, this does from the pod's spec alone:
 * <ul>
 *   <li>the Pod is created through the API server from the workload's template (as its controller would), so
 *       admission and the namespace's Pod Security level judge it, and what runs is the spec the server returned;</li>
 *   <li>the container's command is its image's entrypoint ({@link ContainerImage}); its environment is the image's,
 *       then the container's {@code env} in order: values with {@code $(VAR)} expanded from earlier entries,
 *       {@code fieldRef}s of the pod, {@code secretKeyRef}s and {@code configMapKeyRef}s read from the API server (a
 *       missing one stops the pod, as {@code CreateContainerConfigError} does);</li>
 *   <li>each volume is materialised (emptyDir; secret and configMap items with their modes; a projected service
 *       account token requested from the API server for its audience and bound to the Pod; a claim as a directory
 *       kept across pods of the same claim) and mounted at its {@code mountPath}, read-only where asked, in a mount
 *       namespace of its own over a copy-on-write view of this machine's root;</li>
 *   <li>the security context: the user, group and fsGroup, no capabilities, no new privileges, a read-only root
 *       file system; and a cgroup of the container's own ({@link ContainerCgroup}) with its memory limit, which the
 *       JVM sizes its heap from and whose processes all stop with the container.</li>
 * </ul>
 * Not emulated: the pod's own network namespace (pods share this machine's loopback, so two pods must not use one
 * port), seccomp, probes and restarts (the caller probes and restarts), and token refresh (tokens last their
 * {@code expirationSeconds}, longer than a test). Needs root, {@code unshare}, {@code setpriv} and overlayfs.
 */
public final class ProcessKubelet implements AutoCloseable {

    /** A container's PATH when neither its image nor its spec sets one, as Docker's. */
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final KubeApiServer server;
    private final Map<String, ContainerImage> images;
    private final Path work;
    private final List<PodProcess> pods = new ArrayList<>();

    /** @param images what each image reference the pods name runs */
    public ProcessKubelet(KubeApiServer server, Map<String, ContainerImage> images) {
        this.server = server;
        this.images = Map.copyOf(images);
        try {
            this.work = Files.createTempDirectory("kubelet");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Deployment's pod, named as its ReplicaSet names them (a random suffix; the template hash left out). */
    public PodProcess run(Deployment deployment, Path logDir) {
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 5);
        return run(deployment.getMetadata().getNamespace(), deployment.getMetadata().getName() + "-" + suffix,
                deployment.getSpec().getTemplate(), List.of(), logDir);
    }

    /** A StatefulSet's pod {@code ordinal}, with its own claim of each claim template (kept across its restarts). */
    public PodProcess run(StatefulSet statefulSet, int ordinal, Path logDir) {
        return run(statefulSet.getMetadata().getNamespace(), statefulSet.getMetadata().getName() + "-" + ordinal,
                statefulSet.getSpec().getTemplate(), statefulSet.getSpec().getVolumeClaimTemplates(), logDir);
    }

    private PodProcess run(String namespace, String name, PodTemplateSpec template,
                           List<PersistentVolumeClaim> claimTemplates, Path logDir) {
        Objects.requireNonNull(namespace, "the workload names no namespace");
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .withLabels(template.getMetadata().getLabels())
                .withAnnotations(template.getMetadata().getAnnotations()).endMetadata()
                .withSpec(template.getSpec()).build();
        for (PersistentVolumeClaim claim : claimTemplates) {
            // The StatefulSet controller gives each pod its own claim of each template, named <template>-<pod>.
            String volume = claim.getMetadata().getName();
            pod.getSpec().getVolumes().add(new VolumeBuilder().withName(volume)
                    .withNewPersistentVolumeClaim().withClaimName(volume + "-" + name).endPersistentVolumeClaim()
                    .build());
        }
        try (KubernetesClient admin = server.adminClient()) {
            Pod created = admin.pods().inNamespace(namespace).resource(pod).create();
            Path directory = work.resolve("pods").resolve(name + "-" + created.getMetadata().getUid());
            try {
                PodProcess process = start(admin, created, directory, logDir);
                pods.add(process);
                return process;
            } catch (IOException e) {
                abandon(admin, created, directory);
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                abandon(admin, created, directory);
                throw e;
            }
        }
    }

    /** A pod that could not start is deleted, as a kubelet's controller would replace it. */
    private static void abandon(KubernetesClient admin, Pod pod, Path directory) {
        admin.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
        TempDirectories.delete(directory);
    }

    private PodProcess start(KubernetesClient admin, Pod pod, Path directory, Path logDir) throws IOException {
        PodSpec spec = pod.getSpec();
        if (spec.getContainers().size() != 1 || !spec.getInitContainers().isEmpty()) {
            throw new UnsupportedOperationException("one container per pod is run, " + pod.getMetadata().getName()
                    + " has " + spec.getContainers().size() + " and " + spec.getInitContainers().size() + " init");
        }
        Container container = spec.getContainers().get(0);
        ContainerImage image = images.get(container.getImage());
        if (image == null) {
            throw new IllegalStateException("ErrImagePull: no image " + container.getImage() + " here; known: "
                    + images.keySet());
        }
        Identity identity = Identity.of(spec.getSecurityContext(), container.getSecurityContext());
        Map<String, Path> volumes = new LinkedHashMap<>();
        for (Volume volume : spec.getVolumes()) {
            volumes.put(volume.getName(), materialise(admin, pod, volume, directory, identity));
        }
        List<Mount> mounts = new ArrayList<>();
        for (VolumeMount mount : container.getVolumeMounts()) {
            if (mount.getSubPath() != null || mount.getSubPathExpr() != null) {
                throw new UnsupportedOperationException("subPath mounts are not run: " + mount.getName());
            }
            Path source = volumes.get(mount.getName());
            if (source == null) {
                throw new IllegalStateException("volume " + mount.getName() + " is mounted but not declared");
            }
            mounts.add(new Mount(source, mount.getMountPath(), Boolean.TRUE.equals(mount.getReadOnly())));
        }
        image.files().forEach((path, file) -> mounts.add(new Mount(file, path, true)));
        mounts.sort(Comparator.comparing(m -> m.path().length()));

        Map<String, String> env = new LinkedHashMap<>(image.env());
        env.putAll(containerEnv(admin, pod, container));
        List<String> command = new ArrayList<>(container.getCommand().isEmpty() ? image.entrypoint()
                : container.getCommand());
        command.addAll(container.getArgs());
        OptionalLong memory = Optional.ofNullable(container.getResources())
                .map(resources -> resources.getLimits() == null ? null : resources.getLimits().get("memory"))
                .map(limit -> OptionalLong.of(Quantity.getAmountInBytes(limit).longValueExact()))
                .orElse(OptionalLong.empty());
        ContainerCgroup cgroup = ContainerCgroup.create(pod.getMetadata().getName() + "-"
                + pod.getMetadata().getUid(), memory);
        Path script = directory.resolve("start.sh");
        Files.writeString(script, startScript(directory, mounts, identity, cgroup,
                Optional.ofNullable(container.getWorkingDir()).orElse(image.workingDir()), command));
        ProcessBuilder builder = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "/bin/sh",
                script.toString());
        builder.environment().clear();
        builder.environment().putAll(env);
        Files.createDirectories(logDir);
        Path log = logDir.resolve(pod.getMetadata().getName() + ".log");
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process process = builder.start();
        // The script ends in exec: this process becomes the container's, and SIGTERM reaches it as from a kubelet.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, pod.getMetadata().getName()));
        long grace = Optional.ofNullable(spec.getTerminationGracePeriodSeconds()).orElse(30L);
        return new PodProcess(server, pod, process, log, grace, () -> {
            cgroup.stop();
            TempDirectories.delete(directory);
        });
    }

    /** The container's own variables, in order, as the kubelet resolves them. */
    private static Map<String, String> containerEnv(KubernetesClient admin, Pod pod, Container container) {
        if (!container.getEnvFrom().isEmpty()) {
            throw new UnsupportedOperationException("envFrom is not run");
        }
        Map<String, String> env = new LinkedHashMap<>();
        String namespace = pod.getMetadata().getNamespace();
        for (EnvVar variable : container.getEnv()) {
            EnvVarSource from = variable.getValueFrom();
            String value;
            if (from == null) {
                value = expand(Optional.ofNullable(variable.getValue()).orElse(""), env);
            } else if (from.getFieldRef() != null) {
                value = switch (from.getFieldRef().getFieldPath()) {
                    case "metadata.name" -> pod.getMetadata().getName();
                    case "metadata.namespace" -> namespace;
                    case "metadata.uid" -> pod.getMetadata().getUid();
                    case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
                    case "status.podIP", "status.hostIP" -> "127.0.0.1";
                    default -> throw new UnsupportedOperationException("fieldRef "
                            + from.getFieldRef().getFieldPath());
                };
            } else if (from.getSecretKeyRef() != null) {
                var ref = from.getSecretKeyRef();
                Secret secret = admin.secrets().inNamespace(namespace).withName(ref.getName()).get();
                value = secret == null || secret.getData() == null || !secret.getData().containsKey(ref.getKey())
                        ? missing("secret", ref.getName(), ref.getKey(), ref.getOptional())
                        : decode(secret.getData().get(ref.getKey()));
            } else if (from.getConfigMapKeyRef() != null) {
                var ref = from.getConfigMapKeyRef();
                ConfigMap map = admin.configMaps().inNamespace(namespace).withName(ref.getName()).get();
                value = map == null || map.getData() == null || !map.getData().containsKey(ref.getKey())
                        ? missing("configmap", ref.getName(), ref.getKey(), ref.getOptional())
                        : map.getData().get(ref.getKey());
            } else {
                throw new UnsupportedOperationException("valueFrom of " + variable.getName() + " is not run");
            }
            if (value != null) {
                env.put(variable.getName(), value);
            }
        }
        return env;
    }

    private static String missing(String kind, String name, String key, Boolean optional) {
        if (Boolean.TRUE.equals(optional)) {
            return null;
        }
        throw new IllegalStateException("CreateContainerConfigError: " + kind + " \"" + name + "\" has no key \""
                + key + "\" (or does not exist)");
    }

    /** Kubernetes' {@code $(VAR)} expansion: earlier variables only, {@code $$} an escaped dollar, others kept. */
    static String expand(String value, Map<String, String> defined) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '$' && i + 1 < value.length() && value.charAt(i + 1) == '$') {
                out.append('$');
                i++;
            } else if (c == '$' && i + 1 < value.length() && value.charAt(i + 1) == '(' && value.indexOf(')', i) > 0) {
                int end = value.indexOf(')', i);
                String name = value.substring(i + 2, end);
                out.append(defined.containsKey(name) ? defined.get(name) : value.substring(i, end + 1));
                i = end;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** A volume's content on this machine, a directory the mount namespace binds at each of its mount paths. */
    private Path materialise(KubernetesClient admin, Pod pod, Volume volume, Path directory, Identity identity)
            throws IOException {
        Path target = directory.resolve("volumes").resolve(volume.getName());
        String namespace = pod.getMetadata().getNamespace();
        if (volume.getEmptyDir() != null) {
            Files.createDirectories(target);
            identity.own(target, 0777);
        } else if (volume.getPersistentVolumeClaim() != null) {
            target = work.resolve("claims").resolve(volume.getPersistentVolumeClaim().getClaimName());
            Files.createDirectories(target);
            identity.own(target, 02775);
        } else if (volume.getSecret() != null) {
            var source = volume.getSecret();
            Secret secret = admin.secrets().inNamespace(namespace).withName(source.getSecretName()).get();
            if (secret == null && !Boolean.TRUE.equals(source.getOptional())) {
                throw new IllegalStateException("FailedMount: secret \"" + source.getSecretName() + "\" not found");
            }
            Map<String, String> data = new LinkedHashMap<>();
            if (secret != null && secret.getData() != null) {
                secret.getData().forEach((key, encoded) -> data.put(key, decode(encoded)));
            }
            writeItems(target, data, source.getItems(), source.getDefaultMode(), "secret " + source.getSecretName(),
                    identity);
        } else if (volume.getConfigMap() != null) {
            var source = volume.getConfigMap();
            ConfigMap map = admin.configMaps().inNamespace(namespace).withName(source.getName()).get();
            if (map == null && !Boolean.TRUE.equals(source.getOptional())) {
                throw new IllegalStateException("FailedMount: configmap \"" + source.getName() + "\" not found");
            }
            writeItems(target, map == null || map.getData() == null ? Map.of() : map.getData(), source.getItems(),
                    source.getDefaultMode(), "configmap " + source.getName(), identity);
        } else if (volume.getProjected() != null) {
            Files.createDirectories(target);
            for (VolumeProjection projection : volume.getProjected().getSources()) {
                ServiceAccountTokenProjection token = projection.getServiceAccountToken();
                if (token == null) {
                    throw new UnsupportedOperationException("projected sources other than serviceAccountToken");
                }
                writeFile(target.resolve(token.getPath()), serviceAccountToken(admin, pod, token),
                        Optional.ofNullable(volume.getProjected().getDefaultMode()).orElse(0644), identity);
            }
        } else {
            throw new UnsupportedOperationException("volume " + volume.getName() + " is of a kind not run here");
        }
        return target;
    }

    /** A token of the pod's service account for the projection's audience, bound to the Pod as a kubelet's is. */
    private static String serviceAccountToken(KubernetesClient admin, Pod pod, ServiceAccountTokenProjection token) {
        var request = new TokenRequestBuilder().withNewSpec()
                .withExpirationSeconds(Optional.ofNullable(token.getExpirationSeconds()).orElse(3600L))
                .withAudiences(token.getAudience() == null ? List.of() : List.of(token.getAudience()))
                .withNewBoundObjectRef().withApiVersion("v1").withKind("Pod").withName(pod.getMetadata().getName())
                .withUid(pod.getMetadata().getUid()).endBoundObjectRef()
                .endSpec().build();
        return admin.serviceAccounts().inNamespace(pod.getMetadata().getNamespace())
                .withName(Optional.ofNullable(pod.getSpec().getServiceAccountName()).orElse("default"))
                .tokenRequest(request).getStatus().getToken();
    }

    private static void writeItems(Path target, Map<String, String> data, List<KeyToPath> items, Integer defaultMode,
                                   String what, Identity identity) throws IOException {
        Files.createDirectories(target);
        int mode = Optional.ofNullable(defaultMode).orElse(0644);
        if (items == null || items.isEmpty()) {
            for (Map.Entry<String, String> entry : data.entrySet()) {
                writeFile(target.resolve(entry.getKey()), entry.getValue(), mode, identity);
            }
            return;
        }
        for (KeyToPath item : items) {
            if (!data.containsKey(item.getKey())) {
                throw new IllegalStateException("FailedMount: " + what + " has no key \"" + item.getKey() + "\"");
            }
            writeFile(target.resolve(item.getPath()), data.get(item.getKey()),
                    Optional.ofNullable(item.getMode()).orElse(mode), identity);
        }
    }

    private static void writeFile(Path file, String content, int mode, Identity identity) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        identity.own(file, mode);
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    /**
     * The script the mount namespace runs: an overlay of this machine's root (writes go to the pod's own layer,
     * never to the machine), the volumes bound at their paths (resolved inside the new root, as runc does, so a
     * symbolic link such as /var/run cannot lead out of it), the root made read-only if asked, the container's cgroup
     * joined, then the entrypoint exec'd under the pod's user: the process the caller holds is the container's.
     */
    private static String startScript(Path directory, List<Mount> mounts, Identity identity,
                                       ContainerCgroup cgroup, String workingDir, List<String> command)
            throws IOException {
        for (String layer : List.of("root", "upper", "overlay-work")) {
            Files.createDirectories(directory.resolve(layer));
        }
        String root = quote(directory.resolve("root").toString());
        // The script runs in the container's environment; its own tools are found on the machine's PATH, and the
        // container's PATH is given back to the entrypoint.
        StringBuilder script = new StringBuilder("set -eu\ncontainer_path=\"${PATH:-" + DEFAULT_PATH + "}\"\n"
                + "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
        script.append("mount -t overlay overlay -o lowerdir=/,upperdir=").append(quote(directory.resolve("upper")
                .toString())).append(",workdir=").append(quote(directory.resolve("overlay-work").toString()))
                .append(' ').append(root).append('\n');
        script.append("for d in dev proc sys; do mount --rbind /$d ").append(root).append("/$d; done\n");
        for (Mount mount : mounts) {
            script.append("target=").append(root).append("\"$(chroot ").append(root).append(" realpath -m ")
                    .append(quote(mount.path())).append(")\"\n");
            if (Files.isDirectory(mount.source())) {
                script.append("mkdir -p \"$target\"\n");
            } else {
                script.append("mkdir -p \"$(dirname \"$target\")\" && touch \"$target\"\n");
            }
            script.append("mount --bind ").append(quote(mount.source().toString())).append(" \"$target\"\n");
            if (mount.readOnly()) {
                script.append("mount -o remount,bind,ro \"$target\"\n");
            }
        }
        if (identity.readOnlyRoot()) {
            script.append("mount -o remount,bind,ro ").append(root).append('\n');
        }
        script.append("echo $$ > ").append(quote(cgroup.procs().toString())).append('\n');
        script.append("exec chroot ").append(root).append(" setpriv --reuid=").append(identity.user())
                .append(" --regid=").append(identity.group())
                .append(identity.fsGroup().map(group -> " --groups=" + group).orElse(" --clear-groups"))
                .append(" --inh-caps=-all --bounding-set=-all")
                .append(identity.noNewPrivileges() ? " --no-new-privs" : "")
                .append(" env --chdir=").append(quote(workingDir)).append(" PATH=\"$container_path\"");
        for (String argument : command) {
            script.append(' ').append(quote(argument));
        }
        return script.append('\n').toString();
    }

    private static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    /** A file or directory bound at {@code path} inside the pod's root. */
    private record Mount(Path source, String path, boolean readOnly) {
    }

    /** Who the container runs as, from the pod's and the container's security contexts (the container's first). */
    private record Identity(long user, long group, Optional<Long> fsGroup, boolean readOnlyRoot,
                            boolean noNewPrivileges) {

        static Identity of(PodSecurityContext pod, SecurityContext container) {
            PodSecurityContext podContext = Optional.ofNullable(pod).orElseGet(PodSecurityContext::new);
            SecurityContext own = Optional.ofNullable(container).orElseGet(SecurityContext::new);
            Long user = Optional.ofNullable(own.getRunAsUser()).orElse(podContext.getRunAsUser());
            if (user == null) {
                // The image's USER is not read; the chart always names the user, as the restricted profile wants.
                throw new UnsupportedOperationException("the pod names no runAsUser");
            }
            boolean nonRoot = Boolean.TRUE.equals(Optional.ofNullable(own.getRunAsNonRoot())
                    .orElse(podContext.getRunAsNonRoot()));
            if (nonRoot && user == 0) {
                throw new IllegalStateException("CreateContainerConfigError: runAsNonRoot and runAsUser 0");
            }
            long group = Optional.ofNullable(own.getRunAsGroup()).or(() -> Optional.ofNullable(
                    podContext.getRunAsGroup())).orElse(0L);
            return new Identity(user, group, Optional.ofNullable(podContext.getFsGroup()),
                    Boolean.TRUE.equals(own.getReadOnlyRootFilesystem()),
                    Boolean.FALSE.equals(own.getAllowPrivilegeEscalation()));
        }

        /**
         * Gives a volume's file or directory to the fsGroup with {@code mode}, as the kubelet does (with setgid,
         * 02000, on a directory what is created in it keeps the group).
         */
        void own(Path path, int mode) throws IOException {
            if (fsGroup.isPresent()) {
                Files.setAttribute(path, "unix:gid", fsGroup.get().intValue());
            }
            Files.setAttribute(path, "unix:mode", mode);
        }
    }

    /** Stops every pod still running and removes what the kubelet kept (claims included). */
    @Override
    public void close() {
        pods.forEach(PodProcess::close);
        TempDirectories.delete(work);
    }
}
