package io.zonekeeper.reaper;

import io.zonekeeper.common.config.ConfigException;
import io.zonekeeper.common.config.EnvReader;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the reaper from environment variables; stops cleanly on SIGTERM. */
public final class Main {

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        EnvReader env = EnvReader.fromSystem();
        ReaperConfig config;
        try {
            config = ReaperConfig.read(env);
        } catch (ConfigException e) {
            LOG.error(e.getMessage());
            System.exit(2);
            return;
        }
        LOG.info("starting {} with\n{}", ReaperConfig.SERVICE, env.describe());
        ReaperService service = ReaperService.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "shutdown"));
        LOG.info("{} running; /health and /metrics on port {}", ReaperConfig.SERVICE, service.opsPort());
        stopped.await();
    }
}
