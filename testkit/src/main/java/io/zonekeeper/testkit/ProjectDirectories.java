package io.zonekeeper.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the checkout's root directory, where the project-local virtualenv and run files live. */
public final class ProjectDirectories {

    private ProjectDirectories() {
    }

    /**
     * The system property {@code zonekeeper.project.root} (set by the build), else {@code ZONEKEEPER_HOME},
     * else the nearest directory at or above the working directory that holds the Maven wrapper.
     */
    public static Path root() {
        String configured = System.getProperty("zonekeeper.project.root", System.getenv("ZONEKEEPER_HOME"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isRegularFile(candidate.resolve("mvnw"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("cannot find the Zonekeeper checkout above " + dir
                + "; set ZONEKEEPER_HOME to its root");
    }
}
