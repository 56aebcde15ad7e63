package io.zonekeeper.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the real programs the tests run that ship as Go modules — etcd and kube-apiserver — from the Go module
 * proxy on first use, into {@code <root>/.tools/go/}. Each program is pinned by a {@code go.mod} and
 * {@code go.sum} beside this class ({@code go/<program>/}): neither {@code k8s.io/kubernetes} nor etcd's server
 * can be {@code go install}ed (their own replace directives), so each is built from a small module that requires
 * it at a fixed version. The binary's folder is named by the hash of those two files, so a changed pin rebuilds;
 * a file lock keeps concurrent builds from racing.
 */
public final class GoTools {

    /** A Go program: the folder of its pinned module beside this class, and the package that is its main. */
    public record Program(String name, String mainPackage) {
    }

    public static final Program ETCD = new Program("etcd", "go.etcd.io/etcd/server/v3");
    public static final Program KUBE_APISERVER = new Program("kube-apiserver", "k8s.io/kubernetes/cmd/kube-apiserver");

    private static final Logger LOG = LoggerFactory.getLogger(GoTools.class);

    private GoTools() {
    }

    /** The program's binary, built first if this checkout has not built this pin yet. */
    public static Path executable(Program program) {
        byte[] goMod = resource(program, "go.mod");
        byte[] goSum = resource(program, "go.sum");
        String pin = sha256(goMod, goSum).substring(0, 16);
        Path tools = ProjectDirectories.root().resolve(".tools").resolve("go");
        Path executable = tools.resolve(program.name() + "-" + pin).resolve(program.name());
        try {
            Files.createDirectories(tools);
            try (FileChannel channel = FileChannel.open(tools.resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                if (!Files.isExecutable(executable)) {
                    build(program, goMod, goSum, executable);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not build " + program.name() + " for the tests", e);
        }
        return executable;
    }

    private static void build(Program program, byte[] goMod, byte[] goSum, Path executable) throws IOException {
        String go = System.getenv().getOrDefault("ZONEKEEPER_GO", "go");
        requireGo(go, program);
        LOG.info("Building {} from the Go module proxy into {} - once per checkout and pin; the first build on a"
                + " machine downloads its modules and takes minutes", program.name(), executable.getParent());
        Path module = Files.createTempDirectory("zonekeeper-go-" + program.name());
        try {
            Files.write(module.resolve("go.mod"), goMod);
            Files.write(module.resolve("go.sum"), goSum);
            Path partial = executable.resolveSibling(program.name() + ".partial");
            Files.createDirectories(executable.getParent());
            // -mod=readonly: the pinned go.sum must already hold every hash; nothing is resolved anew here.
            run(module, List.of(go, "build", "-mod=readonly", "-trimpath", "-ldflags=-s -w", "-o",
                    partial.toString(), program.mainPackage()));
            Files.move(partial, executable, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            try (var files = Files.walk(module)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static void requireGo(String go, Program program) throws IOException {
        try {
            Process probe = new ProcessBuilder(go, "version").redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            if (probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                return;
            }
        } catch (IOException notFound) {
            // reported below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IOException("the Go toolchain (1.25 or newer) is needed to build " + program.name()
                + " for the tests, and '" + go + "' could not be run; install Go or point ZONEKEEPER_GO at it");
    }

    private static void run(Path directory, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        builder.environment().put("GOFLAGS", "-buildvcs=false");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed:\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    private static byte[] resource(Program program, String file) {
        String name = "go/" + program.name() + "/" + file;
        try (InputStream in = GoTools.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the testkit jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[]... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                digest.update(part);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
