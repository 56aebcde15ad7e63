package io.zonekeeper.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the real programs the tests run that ship as Go modules — etcd, kube-apiserver, ExternalDNS, Helm and
 * Toxiproxy — from the Go module proxy on first use, into {@code <root>/.tools/go/}. A program is pinned one of two ways:
 * <ul>
 *   <li>by a {@code go.mod} and {@code go.sum} beside this class ({@code go/<program>/}), for those that cannot be
 *       {@code go install}ed because of their own replace directives ({@code k8s.io/kubernetes}, etcd's server):
 *       each is built from a small module that requires it at a fixed version;</li>
 *   <li>by a version, for those {@code go install <package>@<version>} builds with the module's own go.sum
 *       (ExternalDNS: a module of its, resolved as a dependency, needs a go.mod the proxy refuses).</li>
 * </ul>
 * The binary's folder is named by the hash of the pin, so a changed pin rebuilds; a file lock keeps concurrent
 * builds from racing.
 */
public final class GoTools {

    /**
     * A Go program: its name (and the folder of its pinned module beside this class), the package that is its main,
     * and the version to {@code go install}, or null when the pinned module decides.
     */
    public record Program(String name, String mainPackage, String version) {
    }

    public static final Program ETCD = new Program("etcd", "go.etcd.io/etcd/server/v3", null);
    public static final Program KUBE_APISERVER =
            new Program("kube-apiserver", "k8s.io/kubernetes/cmd/kube-apiserver", null);
    /** The version of the provisioner's default image ({@code EXTERNAL_DNS_IMAGE}); a test keeps the two equal. */
    public static final Program EXTERNAL_DNS = new Program("external-dns", "sigs.k8s.io/external-dns", "v0.21.0");
    /** Helm, which lints, renders and checks the chart. */
    public static final Program HELM = new Program("helm", "helm.sh/helm/v4/cmd/helm", "v4.3.2");
    /** Toxiproxy's server: the TCP proxy the chaos run faults the network between services and brokers with. */
    public static final Program TOXIPROXY = new Program("toxiproxy", "github.com/Shopify/toxiproxy/v2/cmd/server",
            "v2.12.0");

    private static final Logger LOG = LoggerFactory.getLogger(GoTools.class);

    private GoTools() {
    }

    /** The program's binary, built first if this checkout has not built this pin yet. */
    public static Path executable(Program program) {
        byte[] goMod = program.version() == null ? InstallSteps.resource(GoTools.class, "go/" + program.name() + "/go.mod") : new byte[0];
        byte[] goSum = program.version() == null ? InstallSteps.resource(GoTools.class, "go/" + program.name() + "/go.sum") : new byte[0];
        String pin = InstallSteps.sha256(goMod, goSum, String.valueOf(program.version()).getBytes(StandardCharsets.UTF_8))
                .substring(0, 16);
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

    /**
     * The source of a Go module at a version, downloaded into Go's module cache if it is not there yet: where the
     * tests find files a project ships only in its repository (the Prometheus Operator's CRDs).
     */
    public static Path moduleSource(String module, String version) {
        String go = System.getenv().getOrDefault("ZONEKEEPER_GO", "go");
        try {
            Path work = Files.createTempDirectory("zonekeeper-go-download");
            try {
                requireGo(go, module);
                String json = run(work, Map.of(), List.of(go, "mod", "download", "-json", module + "@" + version));
                Matcher dir = Pattern.compile("\"Dir\":\\s*\"([^\"]+)\"")
                        .matcher(json);
                if (!dir.find()) {
                    throw new IOException("go mod download printed no directory for " + module + "@" + version
                            + ":\n" + json);
                }
                return Path.of(dir.group(1));
            } finally {
                TempDirectories.delete(work);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not download " + module + "@" + version, e);
        }
    }

    private static void build(Program program, byte[] goMod, byte[] goSum, Path executable) throws IOException {
        String go = System.getenv().getOrDefault("ZONEKEEPER_GO", "go");
        requireGo(go, program.name());
        LOG.info("Building {} from the Go module proxy into {} - once per checkout and pin; the first build on a"
                + " machine downloads its modules and takes minutes", program.name(), executable.getParent());
        Path module = Files.createTempDirectory("zonekeeper-go-" + program.name());
        try {
            Path partial = executable.resolveSibling(program.name() + ".partial");
            Files.createDirectories(executable.getParent());
            if (program.version() == null) {
                Files.write(module.resolve("go.mod"), goMod);
                Files.write(module.resolve("go.sum"), goSum);
                // -mod=readonly: the pinned go.sum must already hold every hash; nothing is resolved anew here.
                run(module, Map.of(), List.of(go, "build", "-mod=readonly", "-trimpath", "-ldflags=-s -w", "-o",
                        partial.toString(), program.mainPackage()));
            } else {
                Path bin = Files.createDirectories(module.resolve("bin"));
                run(module, Map.of("GOBIN", bin.toString()), List.of(go, "install", "-trimpath", "-ldflags=-s -w",
                        program.mainPackage() + "@" + program.version()));
                Files.move(bin.resolve(program.mainPackage().substring(program.mainPackage().lastIndexOf('/') + 1)),
                        partial, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(partial, executable, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            TempDirectories.delete(module);
        }
    }

    private static void requireGo(String go, String what) throws IOException {
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
        throw new IOException("the Go toolchain (1.25 or newer; it fetches a newer one a tool asks for) is needed to"
                + " build or fetch " + what + " for the tests, and '" + go + "' could not be run; install Go or point ZONEKEEPER_GO at it");
    }

    private static String run(Path module, Map<String, String> env, List<String> command) throws IOException {
        Map<String, String> goEnv = new HashMap<>(env);
        goEnv.put("GOFLAGS", "-buildvcs=false");
        // A tool may need a newer Go than the machine's (ExternalDNS v0.21.0 asks for 1.26.1): let the go command
        // fetch that toolchain from the module proxy, which distributions' go.env turns off (GOTOOLCHAIN=local).
        // A GOTOOLCHAIN the user set is kept.
        if (System.getenv("GOTOOLCHAIN") == null) {
            goEnv.put("GOTOOLCHAIN", "auto");
        }
        return InstallSteps.run(module, goEnv, command, Duration.ofMinutes(30));
    }
}
