package io.zonekeeper.cert;

import io.zonekeeper.common.ops.ServiceLauncher;

/** Starts the cert service from environment variables; stops cleanly on SIGTERM. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        ServiceLauncher.run(CertConfig.SERVICE, CertConfig::read, CertService::start);
    }
}
