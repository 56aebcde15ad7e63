package io.zonekeeper.testkit.kubernetes;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a {@link ProcessKubelet} runs for an image, read from the image's Dockerfile since no image can be built here:
 * its {@code ENTRYPOINT}, {@code ENV} and {@code WORKDIR}, and the files its {@code COPY} lines put in it (taken from
 * the build context on this machine). The base image's Java is this machine's: {@code PATH} leads to the running JVM.
 *
 * <p>Only these four instructions are read; {@code RUN}, {@code USER} and the rest do not change what the process
 * is (the pod's security context sets the user). No library parses Dockerfiles for Java (docker-java sends them to
 * a daemon), and these instructions' grammar is a few lines.
 */
public record ContainerImage(List<String> entrypoint, Map<String, String> env, String workingDir,
                             Map<String, Path> files) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** One {@code NAME=value} of an {@code ENV} line; the value unquoted, double-quoted or single-quoted. */
    private static final Pattern ASSIGNMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\\S*)");

    public ContainerImage {
        entrypoint = List.copyOf(entrypoint);
        env = Map.copyOf(env);
        files = Map.copyOf(files);
    }

    /** The image {@code dockerfile} builds, its {@code COPY} sources in the Dockerfile's directory. */
    public static ContainerImage fromDockerfile(Path dockerfile) {
        List<String> entrypoint = List.of();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":/usr/local/bin:/usr/bin:/bin");
        String workingDir = "/";
        Map<String, Path> files = new LinkedHashMap<>();
        for (String line : instructions(dockerfile)) {
            String[] parts = line.split("\\s+", 2);
            String argument = parts.length > 1 ? parts[1].trim() : "";
            switch (parts[0].toUpperCase(Locale.ROOT)) {
                case "ENTRYPOINT" -> entrypoint = execForm(dockerfile, argument);
                case "WORKDIR" -> workingDir = argument;
                case "ENV" -> {
                    Matcher assignment = ASSIGNMENT.matcher(argument);
                    while (assignment.find()) {
                        String value = assignment.group(2);
                        boolean quoted = value.length() >= 2 && (value.startsWith("\"") || value.startsWith("'"));
                        env.put(assignment.group(1), quoted ? value.substring(1, value.length() - 1) : value);
                    }
                }
                case "COPY" -> {
                    String[] copy = argument.split("\\s+");
                    if (copy.length != 2 || copy[0].startsWith("--")) {
                        throw new IllegalArgumentException(dockerfile + ": only COPY <source> <file> is read: " + line);
                    }
                    files.put(copy[1], single(dockerfile.getParent(), copy[0]));
                }
                default -> {
                    // FROM, RUN, USER, EXPOSE, VOLUME, HEALTHCHECK: nothing a process needs
                }
            }
        }
        if (entrypoint.isEmpty()) {
            throw new IllegalArgumentException(dockerfile + " has no ENTRYPOINT in exec form");
        }
        return new ContainerImage(entrypoint, env, workingDir, files);
    }

    /** The Dockerfile's instructions, continuation lines joined and comments dropped. */
    private static List<String> instructions(Path dockerfile) {
        List<String> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        try {
            for (String line : Files.readAllLines(dockerfile)) {
                String trimmed = line.strip();
                if (trimmed.startsWith("#") || trimmed.isEmpty() && current.isEmpty()) {
                    continue;
                }
                if (trimmed.endsWith("\\")) {
                    current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                } else {
                    instructions.add(current.append(trimmed).toString());
                    current.setLength(0);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dockerfile, e);
        }
        return instructions;
    }

    private static List<String> execForm(Path dockerfile, String argument) {
        try {
            return JSON.readValue(argument, new TypeReference<List<String>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException(dockerfile + ": ENTRYPOINT must be in exec form: " + argument, e);
        }
    }

    /** The one file {@code glob} names under {@code context}: a build copies exactly what was built. */
    private static Path single(Path context, String glob) {
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        try (Stream<Path> all = Files.walk(context, 3)) {
            List<Path> matches = all.filter(path -> matcher.matches(context.relativize(path))).toList();
            if (matches.size() != 1) {
                throw new IllegalStateException("COPY " + glob + " in " + context + " matches " + matches
                        + ": build the module first (./mvnw -B package -DskipTests)");
            }
            return matches.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
