package io.zonekeeper.testkit.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Test worlds share one OpenBao server; each one's mount is its own, and its proxy counts only its requests. */
class OpenBaoMountTest {

    @Test
    void twoWorldsOnOneServerNeverSeeEachOthersSecretsAndCountTheirOwnRequests() {
        OpenBaoServer server = OpenBaoServer.shared();
        try (OpenBaoMount first = OpenBaoMount.create(server, "kv-" + UUID.randomUUID().toString().substring(0, 8));
             OpenBaoMount second = OpenBaoMount.create(server, "kv-" + UUID.randomUUID().toString().substring(0, 8))) {
            assertThat(first.write("orgs/acme/aws", Map.of("accessKeyId", "AKIA1"))).isEqualTo(1);
            assertThat(first.write("orgs/acme/aws", Map.of("accessKeyId", "AKIA2"))).isEqualTo(2);

            assertThat(first.read("orgs/acme/aws")).hasValueSatisfying(data ->
                    assertThat(data).containsEntry("accessKeyId", "AKIA2"));
            assertThat(first.currentVersion("orgs/acme/aws")).isEqualTo(2);
            assertThat(second.read("orgs/acme/aws")).isEmpty();
            assertThat(second.currentVersion("orgs/acme/aws")).isZero();
            // The helpers go to the server directly: the services' proxies saw nothing.
            assertThat(first.requests("GET") + first.mutatingRequests()).isZero();
            // Enabling a mount twice is harmless.
            server.enableKv(first.mount());
            assertThat(first.currentVersion("orgs/acme/aws")).isEqualTo(2);
        }
    }
}
