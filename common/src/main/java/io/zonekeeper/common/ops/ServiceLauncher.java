package io.zonekeeper.common.ops;

import io.zonekeeper.common.config.ConfigException;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.kafka.KafkaRefusals;
import io.zonekeeper.common.time.ServiceClock;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every service's {@code main} does: read and validate the environment (exit 2 with every problem listed),
 * including the clock it runs on; log the effective settings with secrets masked, and loudly a simulated clock;
 * start (exit 1, saying why, if that fails), and close cleanly on SIGTERM.
 */
public final class ServiceLauncher {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceLauncher.class);

    private ServiceLauncher() {
    }

    public static <C> void run(String service, Function<EnvReader, C> readConfig,
                               BiFunction<C, ServiceClock, AutoCloseable> start) throws InterruptedException {
        EnvReader env = EnvReader.fromSystem();
        C config;
        ServiceClock clock;
        try {
            // Read first: the config's own validation then reports the clock's problems with the rest.
            clock = ServiceClock.read(env);
            config = readConfig.apply(env);
        } catch (ConfigException e) {
            LOG.error("{}: {}", service, e.getMessage());
            System.exit(2);
            return;
        }
        LOG.info("starting {} with\n{}", service, env.describe());
        if (clock.simulated()) {
            LOG.warn("""

                    ************************************************************************
                    {} RUNS ON A SIMULATED CLOCK: {}
                    Every zone age, reap, certificate validity and audit time follows it.
                    For rehearsals and local runs only; unset CLOCK_START in production.
                    ************************************************************************""",
                    service.toUpperCase(Locale.ROOT), clock.description());
        }
        AutoCloseable running;
        try {
            running = start.apply(config, clock);
        } catch (RuntimeException e) {
            // A refusal at start-up (a missing ACL, wrong credentials) ends the process with the reason on one line,
            // which is what an operator reads first in a crash-looping pod's log; the trace follows.
            LOG.error("{} could not start: {}", service, KafkaRefusals.describe(e), e);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.close();
            } catch (Exception e) {
                LOG.warn("{} did not close cleanly", service, e);
            } finally {
                stopped.countDown();
            }
        }, "shutdown"));
        LOG.info("{} running", service);
        stopped.await();
    }
}
