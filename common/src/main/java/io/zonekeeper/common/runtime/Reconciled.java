package io.zonekeeper.common.runtime;

import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.retry.RejectedRecordException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * What a reconciler decided for one record of an organization (Strimzi's {@code ReconcileResult}): the states to
 * publish (the organization's, or one per certificate it touched; none when nothing changed), and the refusal the record is dead-lettered with, if it was refused. A refused record
 * may still have made something (a zone, before its cluster was found to be another's), and then carries the state
 * that shows it. The changes themselves went to the record's {@link AuditTrail} as they were made: an audit event of
 * a change made before a transient fault must not be lost with the retry, which finds the change made and says
 * nothing.
 */
public record Reconciled<S>(List<S> states, Optional<RejectedRecordException> refusal) {

    public Reconciled {
        states = List.copyOf(states);
    }

    /** The record moves the organization to {@code state}. */
    public static <S> Reconciled<S> to(S state) {
        return new Reconciled<>(List.of(state), Optional.empty());
    }

    /** The record moves the organization to {@code state}, or, when there is none, publishes nothing. */
    public static <S> Reconciled<S> toIfAny(Optional<S> state) {
        return new Reconciled<>(state.stream().toList(), Optional.empty());
    }

    /** The record leaves these states. */
    public static <S> Reconciled<S> toAll(List<S> states) {
        return new Reconciled<>(states, Optional.empty());
    }

    /** Nothing to publish (an organization with no state, or nothing of it changed). */
    public static <S> Reconciled<S> nothing() {
        return new Reconciled<>(List.of(), Optional.empty());
    }

    /** Refused with {@code refusal}, after what {@code state} shows was made (none: nothing was). */
    public static <S> Reconciled<S> refused(Optional<S> state, RejectedRecordException refusal) {
        return new Reconciled<>(state.stream().toList(), Optional.of(refusal));
    }

    /** The same decision with its states stamped (the record's position, say). */
    public Reconciled<S> map(UnaryOperator<S> stamp) {
        return new Reconciled<>(states.stream().map(stamp).toList(), refusal);
    }

    /**
     * Makes the record's effects durable, in the one order every service keeps: its audit events, then its state,
     * then the refusal (thrown, so the router dead-letters and audits the record). When this returns, the record may
     * be committed.
     */
    public void complete(AuditTrail trail, Consumer<S> publish) {
        trail.awaitDurable();
        states.forEach(publish);
        refusal.ifPresent(refused -> {
            throw refused;
        });
    }
}
