package io.zonekeeper.testkit.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.zonekeeper.testkit.GoTools;
import io.zonekeeper.testkit.TempDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Helm v4, built by {@link GoTools} from the Go module proxy, run on a chart directory; no cluster needed. */
public final class Helm {

    /** How a helm command ended. */
    public record Result(int exitCode, String out, String err) {

        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    private static final YAMLMapper YAML = new YAMLMapper();

    private final Path executable;

    private Helm(Path executable) {
        this.executable = executable;
    }

    public static Helm install() {
        return new Helm(GoTools.executable(GoTools.HELM));
    }

    /** {@code helm lint --strict} with the given values files. */
    public Result lint(Path chart, Path... values) {
        List<String> args = new ArrayList<>(List.of("lint", "--strict", chart.toString()));
        for (Path file : values) {
            args.addAll(List.of("--values", file.toString()));
        }
        return run(args);
    }

    /** {@code helm template} of the chart as release {@code release} into {@code namespace}. */
    public Result template(String release, String namespace, Path chart, List<Path> values, List<String> sets) {
        List<String> args = new ArrayList<>(List.of("template", release, chart.toString(), "--namespace", namespace));
        for (Path file : values) {
            args.addAll(List.of("--values", file.toString()));
        }
        for (String set : sets) {
            args.addAll(List.of("--set", set));
        }
        return run(args);
    }

    /**
     * The objects {@code helm template} renders, each a JSON tree (empty documents left out); Helm's refusal
     * throws with its message.
     */
    public List<JsonNode> render(String release, String namespace, Path chart, List<Path> values, List<String> sets) {
        Result template = template(release, namespace, chart, values, sets);
        if (!template.succeeded()) {
            throw new IllegalStateException("helm template " + chart + " with " + values + " " + sets + " failed:\n"
                    + template.err());
        }
        List<JsonNode> objects = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(template.out())) {
            for (JsonNode node : YAML.readValues(parser, JsonNode.class).readAll()) {
                if (node != null && node.isObject() && node.has("kind")) {
                    objects.add(node);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("helm template printed what is not YAML", e);
        }
        return objects;
    }

    private Result run(List<String> args) {
        List<String> command = new ArrayList<>(List.of(executable.toString()));
        command.addAll(args);
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            // Helm keeps caches and plugins under HOME; a test must not read the user's repositories or plugins.
            Path home = Files.createTempDirectory("helm-home");
            builder.environment().put("HELM_CACHE_HOME", home.resolve("cache").toString());
            builder.environment().put("HELM_CONFIG_HOME", home.resolve("config").toString());
            builder.environment().put("HELM_DATA_HOME", home.resolve("data").toString());
            Path err = home.resolve("stderr");
            Process process = builder.redirectError(err.toFile()).start();
            byte[] out = process.getInputStream().readAllBytes();
            try {
                if (!process.waitFor(2, TimeUnit.MINUTES)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("helm " + String.join(" ", args) + " did not finish");
                }
                return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                        Files.readString(err));
            } finally {
                TempDirectories.delete(home);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
