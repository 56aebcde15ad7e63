package io.zonekeeper.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeflatedBytesTest {

    private final DeflatedBytes deflated = new DeflatedBytes();

    /** Lengths around the varint's steps and the deflater's chunk, random (incompressible) bytes. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 127, 128, 16_383, 16_384, 8_192, 100_000})
    void whatIsPackedUnpacksToTheSameBytes(int length) {
        byte[] raw = new byte[length];
        new Random(length).nextBytes(raw);
        assertThat(deflated.unpack(deflated.pack(raw))).isEqualTo(raw);
    }

    @Test
    void aStateOfIdsAndThePathsThatRepeatThemShrinksToAboutHalf() {
        String orgId = UUID.randomUUID().toString();
        String clusterId = UUID.randomUUID().toString();
        byte[] raw = (orgId + "tenant-42" + clusterId + "c0server" + "clusters/" + clusterId + "/kubeconfig"
                + "5f0c2a1d9e8b7c6d5f4e3a2b1c0d9e8f" + "c0.tenant-42.zonekeeper.test*.c0.tenant-42.zonekeeper.test"
                + "0a1b2c3d4e5f60718293a4b5c6d7e8f9" + "zonekeeper/certs/" + orgId + "/clusters/" + clusterId
                + "/server" + "zonekeeper/zonekeeper-tls" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);

        byte[] packed = deflated.pack(raw);

        assertThat(packed.length).isLessThan(raw.length * 2 / 3);
        assertThat(deflated.unpack(packed)).isEqualTo(raw);
        assertThat(deflated.pack(raw)).as("the same bytes pack the same way: the mirror compares packed states")
                .isEqualTo(packed);
    }
}
