package io.zonekeeper.provisioner.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which set of the pool a new zone goes into. */
class DelegationSetPoolTest {

    private static final List<String> FIRST = List.of("ns-1.awsdns-01.org", "ns-2.awsdns-02.com");
    private static final List<String> SECOND = List.of("ns-3.awsdns-03.net", "ns-4.awsdns-04.co.uk");
    private static final List<String> THIRD = List.of("ns-5.awsdns-05.org", "ns-6.awsdns-06.com");

    private static DelegationSetPool.Member set(int number, List<String> nameServers, long zones, long limit) {
        return new DelegationSetPool.Member(number, "SET" + number, nameServers, zones, limit, Instant.EPOCH);
    }

    @Test
    void theLowestNumberedSetWithRoomIsFilledFirst() {
        var members = List.of(set(3, THIRD, 0, 100), set(1, FIRST, 100, 100), set(2, SECOND, 99, 100));

        assertThat(DelegationSetPool.choose(members, List.of())).map(DelegationSetPool.Member::id).contains("SET2");
    }

    @Test
    void aZoneThatComesBackGoesIntoTheSetThatServedItsNameWhenItHasRoom() {
        var members = List.of(set(1, FIRST, 10, 100), set(2, SECOND, 50, 100), set(3, THIRD, 0, 100));
        // As the parent's NS record and the state keep them: another order, a trailing dot, another case.
        List<String> previous = List.of("NS-4.awsdns-04.co.uk.", "ns-3.awsdns-03.net.");

        assertThat(DelegationSetPool.choose(members, previous)).map(DelegationSetPool.Member::id).contains("SET2");
    }

    @Test
    void aZoneWhoseFormerSetIsFullGoesIntoTheLowestWithRoom() {
        var members = List.of(set(1, FIRST, 10, 100), set(2, SECOND, 100, 100));

        assertThat(DelegationSetPool.choose(members, SECOND)).map(DelegationSetPool.Member::id).contains("SET1");
    }

    @Test
    void aSetWhoseFiguresCouldNotBeReadIsTriedAndNoSetWithRoomMeansNone() {
        assertThat(DelegationSetPool.choose(List.of(set(1, FIRST, -1, -1)), List.of())).isPresent();
        assertThat(DelegationSetPool.choose(List.of(set(1, FIRST, 100, 100), set(2, SECOND, 7, 7)), List.of()))
                .isEmpty();
    }
}
