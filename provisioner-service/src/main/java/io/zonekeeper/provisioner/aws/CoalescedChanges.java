package io.zonekeeper.provisioner.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.InvalidChangeBatchException;

/**
 * The record changes of one zone (the parent zone, whose delegations every organization writes), coalesced: while
 * one ChangeResourceRecordSets is in flight, or waits for the rate limiter, the changes of other organizations
 * queue, and the next request carries all of them within Route53's batch limits ({@link ChangeBatches}). One
 * organization alone still costs one request and waits for nothing; a backlog costs a request per batch. A group
 * commit, written here because the SDK has no batching of its own for Route53: one sender thread (started when
 * there is work, gone after 30 s without) sends while the callers wait for their own change.
 *
 * <p>Route53 applies a batch all or nothing. When it refuses one ({@code InvalidChangeBatch}: a CREATE of a record
 * that exists, a DELETE of one that does not), every change of it is sent again alone, so each caller gets its own
 * change's outcome, as it would have without the coalescing. Any other failure is every caller's.
 */
final class CoalescedChanges {

    private record Waiting(Change change, CompletableFuture<Void> done) {
    }

    private final Consumer<List<Change>> send;
    private final ExecutorService sender = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), task -> {
                Thread thread = new Thread(task, "route53-coalesced-changes");
                thread.setDaemon(true);
                return thread;
            });
    private final List<Waiting> queue = new ArrayList<>();
    private boolean draining;

    /** @param send one ChangeResourceRecordSets of the zone with these changes, through the retry helper */
    CoalescedChanges(Consumer<List<Change>> send) {
        this.send = send;
    }

    /** Applies {@code change}, in one request with whatever else is waiting; returns when it is applied. */
    void apply(Change change) {
        Waiting mine = new Waiting(change, new CompletableFuture<>());
        boolean start;
        synchronized (this) {
            queue.add(mine);
            start = !draining;
            draining = true;
        }
        if (start) {
            sender.execute(this::drain);
        }
        try {
            mine.done().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
        }
    }

    /** Sends what waits, a batch at a time, until nothing does. */
    private void drain() {
        while (true) {
            List<Waiting> batch;
            synchronized (this) {
                if (queue.isEmpty()) {
                    draining = false;
                    return;
                }
                int size = ChangeBatches.of(queue.stream().map(Waiting::change).toList()).get(0).size();
                batch = new ArrayList<>(queue.subList(0, size));
                queue.subList(0, size).clear();
            }
            sendAll(batch);
        }
    }

    private void sendAll(List<Waiting> batch) {
        try {
            send.accept(batch.stream().map(Waiting::change).toList());
            batch.forEach(w -> w.done().complete(null));
        } catch (InvalidChangeBatchException refused) {
            if (batch.size() == 1) {
                batch.get(0).done().completeExceptionally(refused);
                return;
            }
            batch.forEach(w -> sendAll(List.of(w)));
        } catch (RuntimeException | Error failed) {
            // Every caller's: the sender thread goes on with the next batch.
            batch.forEach(w -> w.done().completeExceptionally(failed));
        }
    }
}
