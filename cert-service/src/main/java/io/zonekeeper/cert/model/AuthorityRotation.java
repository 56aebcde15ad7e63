package io.zonekeeper.cert.model;

import java.time.Duration;
import java.time.Instant;

/**
 * When an organization's CA moves through its rotation: a successor is staged {@code rotateBefore} the current
 * one expires (or when an operator asks), promoted once {@code trustPropagation} has passed so every client had
 * time to load the bundle that trusts both, and the retired CA leaves the bundle after another
 * {@code trustPropagation}, when every server serves a certificate of the new one. Each step only ever widens
 * or narrows trust on one side, so a client one step behind keeps trusting every server.
 */
public record AuthorityRotation(Duration rotateBefore, Duration trustPropagation) {

    public enum Step {
        /** Nothing is due. */
        NONE,
        /** Stage a successor CA and add it to every {@code ca.crt}. */
        STAGE,
        /** Let the successor sign: reissue every certificate of the organization with it. */
        PROMOTE,
        /** Drop the retired CA from every {@code ca.crt}. */
        RETIRE
    }

    public AuthorityRotation {
        if (rotateBefore.isNegative() || trustPropagation.isNegative()) {
            throw new IllegalArgumentException("rotation durations must not be negative");
        }
    }

    /** The next step of the cycle, due or not. */
    public Step nextStep(OrgAuthority authority) {
        if (authority.next() != null) {
            return Step.PROMOTE;
        }
        if (authority.previous() != null) {
            return Step.RETIRE;
        }
        return Step.STAGE;
    }

    /** When the next step is due. */
    public Instant nextStepAt(OrgAuthority authority) {
        return switch (nextStep(authority)) {
            case PROMOTE -> authority.nextStagedAt().plus(trustPropagation);
            case RETIRE -> authority.previousRetiredAt().plus(trustPropagation);
            default -> authority.current().notAfter().minus(rotateBefore);
        };
    }

    public Step dueStep(OrgAuthority authority, Instant now) {
        return now.isBefore(nextStepAt(authority)) ? Step.NONE : nextStep(authority);
    }
}
