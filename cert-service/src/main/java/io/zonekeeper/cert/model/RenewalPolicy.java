package io.zonekeeper.cert.model;

import java.time.Duration;
import java.time.Instant;

/**
 * When a certificate is renewed: after a fixed share of its lifetime (2/3 by default, as cert-manager does), so
 * renewal has a third of the lifetime to succeed through outages before anything expires.
 */
public record RenewalPolicy(double renewAtFraction) {

    public RenewalPolicy {
        if (!(renewAtFraction > 0 && renewAtFraction < 1)) {
            throw new IllegalArgumentException("the renewal point must be a fraction of the lifetime in (0, 1), not "
                    + renewAtFraction);
        }
    }

    public Instant renewAt(Instant notBefore, Instant notAfter) {
        long lifetimeMillis = Duration.between(notBefore, notAfter).toMillis();
        return notBefore.plusMillis((long) (lifetimeMillis * renewAtFraction));
    }

    public boolean isDue(Instant notBefore, Instant notAfter, Instant now) {
        return !now.isBefore(renewAt(notBefore, notAfter));
    }
}
