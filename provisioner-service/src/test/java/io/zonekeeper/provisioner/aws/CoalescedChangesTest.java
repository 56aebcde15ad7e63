package io.zonekeeper.provisioner.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.InvalidChangeBatchException;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

class CoalescedChangesTest {

    private final ExecutorService callers = Executors.newFixedThreadPool(16);
    private final List<List<String>> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch firstSent = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        callers.shutdownNow();
    }

    @Test
    void changesWaitingWhileARequestIsInFlightGoInTheNextRequestTogether() throws Exception {
        CoalescedChanges changes = new CoalescedChanges(heldUntilReleased(batch -> { }));
        Future<?> first = inFlight(changes);
        List<Future<?>> others = new java.util.ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            String name = "org" + i;
            others.add(callers.submit(() -> changes.apply(ns(name))));
        }
        Thread.sleep(200);
        release.countDown();
        first.get(10, TimeUnit.SECONDS);
        for (Future<?> other : others) {
            other.get(10, TimeUnit.SECONDS);
        }

        assertThat(requests).hasSize(2);
        assertThat(requests.get(0)).containsExactly("org0.example.com.");
        assertThat(requests.get(1)).hasSize(10);
    }

    @Test
    void aBatchRouteFiftyThreeRefusesIsSentAgainChangeByChangeSoOnlyTheBadOneFails() throws Exception {
        CoalescedChanges changes = new CoalescedChanges(heldUntilReleased(batch -> {
            if (names(batch).contains("taken.example.com.")) {
                throw (InvalidChangeBatchException) InvalidChangeBatchException.builder()
                        .message("Tried to create resource record set but it already exists").build();
            }
        }));
        Future<?> first = inFlight(changes);
        Map<String, Future<?>> waiting = new ConcurrentHashMap<>();
        for (String name : List.of("org1", "taken", "org2")) {
            waiting.put(name, callers.submit(() -> changes.apply(ns(name))));
        }
        Thread.sleep(200);
        release.countDown();
        first.get(10, TimeUnit.SECONDS);

        waiting.get("org1").get(10, TimeUnit.SECONDS);
        waiting.get("org2").get(10, TimeUnit.SECONDS);
        assertThat(waiting.get("taken")).failsWithin(Duration.ofSeconds(10))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(InvalidChangeBatchException.class);
        // The refused batch of three, then each alone.
        assertThat(requests).hasSize(5);
        assertThat(requests.get(1)).hasSize(3);
    }

    @Test
    void aChangeAloneIsSentAtOnceInARequestOfItsOwn() {
        CoalescedChanges changes = new CoalescedChanges(batch -> requests.add(names(batch)));
        changes.apply(ns("org0"));
        changes.apply(ns("org1"));
        assertThat(requests).containsExactly(List.of("org0.example.com."), List.of("org1.example.com."));
    }

    /** A request that records its batch and, the first time, waits until the test releases it. */
    private java.util.function.Consumer<List<Change>> heldUntilReleased(
            java.util.function.Consumer<List<Change>> then) {
        return batch -> {
            requests.add(names(batch));
            firstSent.countDown();
            await(release);
            then.accept(batch);
        };
    }

    /** org0's change, sent and held in flight. */
    private Future<?> inFlight(CoalescedChanges changes) throws InterruptedException {
        Future<?> first = callers.submit(() -> changes.apply(ns("org0")));
        assertThat(firstSent.await(10, TimeUnit.SECONDS)).isTrue();
        return first;
    }

    private static Change ns(String org) {
        return Change.builder().action(ChangeAction.CREATE).resourceRecordSet(ResourceRecordSet.builder()
                .name(org + ".example.com.").type(RRType.NS).ttl(3600L)
                .resourceRecords(ResourceRecord.builder().value("ns-1.awsdns-00.com.").build()).build()).build();
    }

    private static List<String> names(List<Change> batch) {
        return batch.stream().map(c -> c.resourceRecordSet().name()).toList();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
