package io.zonekeeper.common.config;

/** The small HTTP port serving {@code /health} and {@code /metrics}; 0 picks a free port. */
public record OpsSettings(int httpPort) {

    public static final Setting<Integer> HTTP_PORT = Setting.integer("HTTP_PORT", 8080, 0, 65535,
            "/health, /ready and /metrics; 0 picks a free port");

    public static OpsSettings read(EnvReader env) {
        return new OpsSettings(HTTP_PORT.read(env));
    }
}
