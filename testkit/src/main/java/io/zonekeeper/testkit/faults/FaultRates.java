package io.zonekeeper.testkit.faults;

import java.time.Duration;

/**
 * Per-request probabilities of each fault, drawn independently in order (throttling first), plus added
 * latency. Rates are in [0, 1] and add up to at most 1.
 */
public record FaultRates(double throttling, double priorRequestNotComplete, double serverError,
                         double dropConnection, Duration latency) {

    public static final FaultRates NONE = new FaultRates(0, 0, 0, 0, Duration.ZERO);

    public FaultRates {
        double sum = throttling + priorRequestNotComplete + serverError + dropConnection;
        if (throttling < 0 || priorRequestNotComplete < 0 || serverError < 0 || dropConnection < 0 || sum > 1) {
            throw new IllegalArgumentException("fault rates must be non-negative and add up to at most 1");
        }
        if (latency == null || latency.isNegative()) {
            throw new IllegalArgumentException("latency must be zero or positive");
        }
    }

    public FaultRates withLatency(Duration added) {
        return new FaultRates(throttling, priorRequestNotComplete, serverError, dropConnection, added);
    }

    /** The fault for a uniform draw in [0, 1), or null to forward the request. */
    Fault pick(double draw) {
        double edge = throttling;
        if (draw < edge) {
            return Fault.THROTTLING;
        }
        edge += priorRequestNotComplete;
        if (draw < edge) {
            return Fault.PRIOR_REQUEST_NOT_COMPLETE;
        }
        edge += serverError;
        if (draw < edge) {
            return Fault.SERVER_ERROR;
        }
        edge += dropConnection;
        return draw < edge ? Fault.DROP_CONNECTION : null;
    }
}
