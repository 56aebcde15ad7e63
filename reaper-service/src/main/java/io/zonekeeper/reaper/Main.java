package io.zonekeeper.reaper;

import io.zonekeeper.common.ops.ServiceLauncher;

/** Starts the reaper from environment variables; stops cleanly on SIGTERM. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        ServiceLauncher.run(ReaperConfig.SERVICE, ReaperConfig::read, ReaperService::start);
    }
}
