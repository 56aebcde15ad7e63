package io.zonekeeper.testkit.faults;

/** What the fault proxy can do to one request instead of forwarding it. */
public enum Fault {
    /** AWS {@code Throttling} (HTTP 400): the account's request-rate token bucket is empty. */
    THROTTLING,
    /** Route53 {@code PriorRequestNotComplete} (HTTP 400): a change to the same zone is still in progress. */
    PRIOR_REQUEST_NOT_COMPLETE,
    /** HTTP 503 with the service's error body. */
    SERVER_ERROR,
    /** The connection is closed before any response: the client sees an I/O error. */
    DROP_CONNECTION,
    /**
     * The request reaches the service and takes effect, but the response is lost on the way back: the client
     * sees an I/O error and cannot tell whether its call was applied.
     */
    DROP_RESPONSE
}
