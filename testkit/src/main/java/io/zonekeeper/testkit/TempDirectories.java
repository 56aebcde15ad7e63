package io.zonekeeper.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Deletes the working folders the real programs were given (etcd's data, kubeconfigs, mounted Secrets). */
public final class TempDirectories {

    private static final Logger LOG = LoggerFactory.getLogger(TempDirectories.class);

    private TempDirectories() {
    }

    /** Deletes {@code root} and everything in it; a failure is logged, never thrown (cleanup must not fail a test). */
    public static void delete(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", root, e.toString());
        }
    }
}
