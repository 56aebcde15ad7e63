package io.zonekeeper.common.ops;

/** One named part of a service's health, e.g. "kafka-consumer" or "vault". */
public interface HealthCheck {

    /** The outcome of one check: healthy or not, with a short non-secret detail. */
    record Result(boolean healthy, String detail) {

        public static Result up(String detail) {
            return new Result(true, detail);
        }

        public static Result down(String detail) {
            return new Result(false, detail);
        }
    }

    String name();

    Result check();

    /** Healthy while {@code running} says the part that does the service's work is running. */
    static HealthCheck of(String name, java.util.function.BooleanSupplier running) {
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Result check() {
                return running.getAsBoolean() ? Result.up("running") : Result.down(name + " stopped");
            }
        };
    }
}
