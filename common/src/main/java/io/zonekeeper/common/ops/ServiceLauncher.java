package io.zonekeeper.common.ops;

import io.zonekeeper.common.config.ConfigException;
import io.zonekeeper.common.config.EnvReader;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every service's {@code main} does: read and validate the environment (exit 2 with every problem listed),
 * log the effective settings with secrets masked, start, and close cleanly on SIGTERM.
 */
public final class ServiceLauncher {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceLauncher.class);

    private ServiceLauncher() {
    }

    public static <C> void run(String service, Function<EnvReader, C> readConfig, Function<C, AutoCloseable> start)
            throws InterruptedException {
        EnvReader env = EnvReader.fromSystem();
        C config;
        try {
            config = readConfig.apply(env);
        } catch (ConfigException e) {
            LOG.error("{}: {}", service, e.getMessage());
            System.exit(2);
            return;
        }
        LOG.info("starting {} with\n{}", service, env.describe());
        AutoCloseable running = start.apply(config);
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
