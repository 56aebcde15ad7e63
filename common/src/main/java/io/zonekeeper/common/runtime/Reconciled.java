package io.zonekeeper.common.runtime;

import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.retry.RejectedRecordException;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * What a reconciler decided for one record of an organization (Strimzi's {@code ReconcileResult}): the next state,
 * if there is one to publish, and the refusal the record is dead-lettered with, if it was refused. A refused record
 * may still have made something (a zone, before its cluster was found to be another's), and then carries the state
 * that shows it. The changes themselves went to the record's {@link AuditTrail} as they were made: an audit event of
 * a change made before a transient fault must not be lost with the retry, which finds the change made and says
 * nothing.
 */
public record Reconciled<S>(Optional<S> state, Optional<RejectedRecordException> refusal) {

    /** The record moves the organization to {@code state}. */
    public static <S> Reconciled<S> to(S state) {
        return new Reconciled<>(Optional.of(state), Optional.empty());
    }

    /** Nothing to publish (an organization with no state, or nothing of it changed). */
    public static <S> Reconciled<S> nothing() {
        return new Reconciled<>(Optional.empty(), Optional.empty());
    }

    /** Refused with {@code refusal}, after what {@code state} shows was made (none: nothing was). */
    public static <S> Reconciled<S> refused(Optional<S> state, RejectedRecordException refusal) {
        return new Reconciled<>(state, Optional.of(refusal));
    }

    /** The same decision with its state stamped (the record's position, say). */
    public Reconciled<S> map(UnaryOperator<S> stamp) {
        return new Reconciled<>(state.map(stamp), refusal);
    }

    /**
     * Makes the record's effects durable, in the one order every service keeps: its audit events, then its state,
     * then the refusal (thrown, so the router dead-letters and audits the record). When this returns, the record may
     * be committed.
     */
    public void complete(AuditTrail trail, Consumer<S> publish) {
        trail.awaitDurable();
        state.ifPresent(publish);
        refusal.ifPresent(refused -> {
            throw refused;
        });
    }
}
