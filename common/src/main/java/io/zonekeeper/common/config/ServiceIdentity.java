package io.zonekeeper.common.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Who is acting, for audit events, client ids and logs: the service and this instance of it. */
public record ServiceIdentity(String service, String instance) {

    public static final Setting<String> INSTANCE = Setting.text("SERVICE_INSTANCE", hostName(),
            "instance name in audit events and client ids (default: the host name)");

    public static ServiceIdentity read(EnvReader env, String service) {
        return new ServiceIdentity(service, INSTANCE.read(env));
    }

    /** The machine's host name ($HOSTNAME first, as containers set it). */
    public static String hostName() {
        String fromEnv = System.getenv("HOSTNAME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }
}
