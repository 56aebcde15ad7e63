package io.zonekeeper.common.retry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A failure and its causes, outermost first, each once. Every classifier walks chains through this: a chain can
 * loop ({@code initCause} accepts any throwable), and a walk that does not notice spins forever on the thread that
 * was meant to report the failure.
 */
public final class Causes {

    private Causes() {
    }

    public static List<Throwable> of(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> chain = new ArrayList<>();
        for (Throwable cause = failure; cause != null && seen.add(cause); cause = cause.getCause()) {
            chain.add(cause);
        }
        return chain;
    }
}
