package io.zonekeeper.local;

import io.zonekeeper.testkit.ProjectDirectories;
import io.zonekeeper.testkit.PythonTools;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code zonekeeper_contract.py}, Confluent's Python client (librdkafka inside) as an upstream or a dashboard, run as
 * a process with the project's Python environment.
 */
final class ContractScript {

    private static final Path DIR = ProjectDirectories.root().resolve("local-run/target/contract");

    /** How the script ended. */
    record Result(boolean exited, int exitCode, String out, String err) {

        boolean succeeded() {
            return exited && exitCode == 0;
        }
    }

    private final Path script;

    private ContractScript(Path script) {
        this.script = script;
    }

    static ContractScript install() throws IOException {
        Files.createDirectories(DIR);
        Path script = DIR.resolve("zonekeeper_contract.py");
        try (InputStream in = ContractScript.class.getResourceAsStream("zonekeeper_contract.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return new ContractScript(script);
    }

    /** The shipped {@code .avsc} files, which the script serializes and decodes with. */
    static String schemaDir() {
        return ProjectDirectories.root().resolve("schemas/src/main/avro").toString();
    }

    /** Runs the script with {@code stdin}, for at most two minutes. */
    Result run(String stdin, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PythonTools.executable("python").toString(), script.toString()));
        command.addAll(args);
        Path out = Files.createTempFile("contract-out", ".txt");
        Path err = Files.createTempFile("contract-err", ".txt");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        boolean exited = process.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        Result result = new Result(exited, exited ? process.exitValue() : -1, Files.readString(out),
                Files.readString(err));
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        return result;
    }
}
