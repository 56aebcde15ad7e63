package io.zonekeeper.common.kafka;

import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Which offsets of one partition are dispatched but not finished. The committable position is the oldest
 * unfinished offset (or one past the newest dispatched when none is unfinished): never past a record whose
 * effects are not yet durable, however many later records of other keys have finished.
 */
final class PartitionProgress {

    private final ConcurrentSkipListSet<Long> inFlight = new ConcurrentSkipListSet<>();
    private volatile long nextToDispatch;
    private volatile long lastCommitted = -1;
    private volatile boolean revoked;

    /** A partition of which nothing is known to be done yet. */
    PartitionProgress() {
        this(-1);
    }

    /** A partition just assigned at {@code position}: everything before it is done. */
    PartitionProgress(long position) {
        this.nextToDispatch = position;
    }

    void dispatched(long offset) {
        inFlight.add(offset);
        nextToDispatch = offset + 1;
    }

    /**
     * The consumer's position after a poll whose records were all dispatched: offsets between the newest dispatched
     * and it hold no record to process (transaction markers, aborted records a {@code read_committed} consumer
     * skips), so they count as done. Without this a partition written in transactions (the ingress's topics) would
     * stay one offset short of its end: lag 1 forever, and nothing waiting for "all done" would see it.
     */
    void caughtUpTo(long position) {
        if (position > nextToDispatch) {
            nextToDispatch = position;
        }
    }

    void finished(long offset) {
        inFlight.remove(offset);
    }

    int inFlight() {
        return inFlight.size();
    }

    /** The offset to commit, or -1 when nothing was dispatched yet. */
    long committable() {
        Long oldest = inFlight.isEmpty() ? null : inFlight.first();
        return oldest != null ? oldest : nextToDispatch;
    }

    boolean needsCommit() {
        long committable = committable();
        return committable >= 0 && committable != lastCommitted;
    }

    void committed(long offset) {
        lastCommitted = offset;
    }

    void revoke() {
        revoked = true;
    }

    boolean revoked() {
        return revoked;
    }
}
