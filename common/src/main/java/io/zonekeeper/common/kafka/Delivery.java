package io.zonekeeper.common.kafka;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Waiting for the broker to confirm a record, the one way every publisher does it (states, audit events, dead
 * letters, commands). A record the broker did not confirm fails with the broker's error as the cause, which
 * {@link io.zonekeeper.common.retry.Failures} classifies: a timeout is transient (the record that caused it is tried
 * again), a fenced producer or a refused principal is fatal.
 */
public final class Delivery {

    private Delivery() {
    }

    /** Blocks until {@code sent} is acknowledged; {@code what} names the record for the error, never its value. */
    public static RecordMetadata await(Future<RecordMetadata> sent, String what) {
        try {
            return sent.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not publish " + what, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted publishing " + what, e);
        }
    }
}
