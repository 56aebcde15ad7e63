package io.zonekeeper.provisioner;

import io.zonekeeper.common.ops.ServiceLauncher;

/** Starts the provisioner from environment variables; stops cleanly on SIGTERM. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        ServiceLauncher.run(ProvisionerConfig.SERVICE, ProvisionerConfig::read, ProvisionerService::start);
    }
}
