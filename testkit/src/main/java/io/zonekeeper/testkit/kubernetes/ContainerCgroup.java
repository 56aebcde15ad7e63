package io.zonekeeper.testkit.kubernetes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A container's cgroup, as the runtime makes one: every process the container starts is in it, so stopping the
 * container stops them all (a shell's background child included), and its memory limit is set on it. The JVM reads
 * the limit from it and sizes its heap by {@code MaxRAMPercentage}, as in a pod; without it a JVM here would size its
 * heap from the whole machine. It is made in the memory hierarchy under this process's own cgroup: cgroup v1
 * ({@code memory.limit_in_bytes}) or v2 ({@code memory.max}), found from {@code /proc/self/cgroup}.
 */
record ContainerCgroup(Path directory) {

    private static final Path CGROUPS = Path.of("/sys/fs/cgroup");

    static ContainerCgroup create(String name, OptionalLong memoryLimitBytes) {
        try {
            List<String> own = Files.readAllLines(Path.of("/proc/self/cgroup"));
            Optional<String> v1 = own.stream().map(line -> line.split(":", 3))
                    .filter(fields -> fields[1].equals("memory")).map(fields -> fields[2]).findFirst();
            Path parent;
            String limitFile;
            if (v1.isPresent() && Files.isDirectory(CGROUPS.resolve("memory"))) {
                parent = CGROUPS.resolve("memory").resolve(v1.get().substring(1));
                limitFile = "memory.limit_in_bytes";
            } else {
                String v2 = own.stream().filter(line -> line.startsWith("0::")).map(line -> line.substring(3))
                        .findFirst().orElseThrow(() -> new IllegalStateException("this process is in no cgroup"));
                parent = CGROUPS.resolve(v2.substring(1));
                limitFile = "memory.max";
            }
            Path directory = parent.resolve("zonekeeper-" + name);
            Files.createDirectories(directory);
            if (memoryLimitBytes.isPresent()) {
                Files.writeString(directory.resolve(limitFile), Long.toString(memoryLimitBytes.getAsLong()));
            }
            return new ContainerCgroup(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a cgroup for the container (the kubelet emulation needs root)",
                    e);
        }
    }

    /** The file a process writes its pid to, to join. */
    Path procs() {
        return directory.resolve("cgroup.procs");
    }

    /** SIGKILL to every process still in the cgroup, then the cgroup removed. */
    void stop() {
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                for (String pid : Files.readAllLines(procs())) {
                    ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
                }
                Files.deleteIfExists(directory);
                return;
            } catch (IOException busy) {
                // a killed process leaves its cgroup a moment later
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
