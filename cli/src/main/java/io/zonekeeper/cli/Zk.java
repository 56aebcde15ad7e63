package io.zonekeeper.cli;

import io.zonekeeper.common.config.ConfigException;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.time.ServiceClock;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code zk}, the command line for the people who run Zonekeeper. Exit codes: 0 done, 1 the operation failed or
 * was refused, 2 bad arguments, 3 Kafka or another endpoint unreachable.
 */
@Command(name = "zk", mixinStandardHelpOptions = true, version = "zk 0.1.0",
        description = "Operate Zonekeeper: replay, dead letters, audit, organizations, hand-made events.",
        subcommands = {ReplayCommand.class, DlqCommand.class, AuditCommand.class, OrgsCommand.class,
                OrgCommand.class, ReapsCommand.class, AccountsCommand.class, ReconcileCommand.class, EmitCommand.class, AclsCommand.class, TopicsCommand.class})
public final class Zk implements Runnable {

    static final int FAILED = 1;
    static final int UNREACHABLE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs {@code zk} with the given output streams; returns the exit code. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new Zk()).setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof Unreachable unreachable) {
                cmd.getErr().println("zk: " + unreachable.getMessage());
                return UNREACHABLE;
            }
            if (e instanceof ConfigException config) {
                cmd.getErr().println("zk: " + config.getMessage());
                return 2;
            }
            if (e instanceof Refused refused) {
                cmd.getErr().println("zk: " + refused.getMessage());
                return FAILED;
            }
            cmd.getErr().println("zk: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return FAILED;
        });
        return commandLine.execute(args);
    }

    /**
     * The clock {@code zk} stamps events and commands with, and looks from: the services' own settings
     * ({@code CLOCK_START}, {@code CLOCK_RATE}, {@code CLOCK_ANCHOR}) when it operates a rehearsal on a simulated
     * clock, otherwise the system clock.
     */
    static ServiceClock clock() {
        EnvReader env = EnvReader.fromSystem();
        ServiceClock clock = ServiceClock.read(env);
        env.validate();
        return clock;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Kafka, the registry or the reaper could not be reached. */
    static final class Unreachable extends RuntimeException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The operation is not allowed as asked (for example a replay while the group runs). */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }
}
