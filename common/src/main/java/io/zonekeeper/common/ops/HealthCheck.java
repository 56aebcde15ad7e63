package io.zonekeeper.common.ops;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

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
    static HealthCheck of(String name, BooleanSupplier running) {
        return of(name, running, () -> running.getAsBoolean() ? "running" : name + " stopped");
    }

    /** Healthy while {@code healthy} says so, with {@code detail} saying what it saw (a state's name). */
    static HealthCheck of(String name, BooleanSupplier healthy, Supplier<String> detail) {
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Result check() {
                return new Result(healthy.getAsBoolean(), detail.get());
            }
        };
    }
}
