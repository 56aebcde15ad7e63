package io.zonekeeper.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What may be committed of a partition, including one written in transactions (markers take offsets too). */
class PartitionProgressTest {

    @Test
    void offsetsPastTheLastRecordThatHoldNoRecordCountAsDone() {
        PartitionProgress progress = new PartitionProgress(0);
        progress.dispatched(0);
        progress.dispatched(1);
        progress.finished(0);
        progress.finished(1);
        // The consumer stands at 3: offset 2 was the transaction's commit marker.
        progress.caughtUpTo(3);
        assertThat(progress.committable()).isEqualTo(3);
    }

    @Test
    void aRecordStillInFlightHoldsTheCommitWhereverTheConsumerStands() {
        PartitionProgress progress = new PartitionProgress(0);
        progress.dispatched(0);
        progress.dispatched(1);
        progress.finished(1);
        progress.caughtUpTo(3);
        assertThat(progress.committable()).isZero();
        progress.finished(0);
        assertThat(progress.committable()).isEqualTo(3);
    }

    @Test
    void anOlderPositionNeverMovesItBack() {
        PartitionProgress progress = new PartitionProgress(10);
        progress.caughtUpTo(4);
        assertThat(progress.committable()).isEqualTo(10);
    }
}
