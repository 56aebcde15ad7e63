package io.zonekeeper.common.retry;

/**
 * A record that can never be applied as it is: bad input, a name another owner holds, a quota reached. The router
 * ({@link io.zonekeeper.common.kafka.OrgRecordRouter}) dead-letters and audits it with {@link #reason()}, which is why
 * the reason names the problem and what fixes it and never quotes a secret. Each kind of rejection is a subclass, so
 * what is permanent is decided where the problem is found, not in a catch list per service.
 */
public abstract class RejectedRecordException extends RuntimeException {

    protected RejectedRecordException(String reason) {
        super(reason);
    }

    protected RejectedRecordException(String reason, Throwable cause) {
        super(reason, cause);
    }

    /** Why the record was rejected, as the dead letter and the audit event say it. */
    public String reason() {
        return getMessage();
    }
}
