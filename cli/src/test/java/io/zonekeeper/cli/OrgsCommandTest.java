package io.zonekeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** zk orgs and zk org against a real reaper on the real broker. */
class OrgsCommandTest {

    private final CliReaper reaper = new CliReaper(ServiceClock.system());

    @AfterEach
    void stop() {
        reaper.close();
    }

    @Test
    void listsOrganizationsAndShowsOneFromTheReapersQueryEndpoint() {
        for (String org : List.of("org-a", "org-b")) {
            reaper.send(reaper.lifecycleTopic, org, ClusterLifecycleEvent.newBuilder().setEventId(UUID.randomUUID())
                    .setOccurredAt(Instant.now()).setOrgId(org).setOrgName(org.replace("-", ""))
                    .setClusterId(org + "-c1").setClusterName("c1").setStatus(ClusterStatus.RUNNING)
                    .setCloud("amazon").setRegion("eu-west-1").setKubeconfigVaultPath("clusters/k").build());
        }
        String url = reaper.url();
        await().atMost(Duration.ofSeconds(60)).until(() -> zk("orgs", "--reaper", url)[1].contains("2 organization(s)"));

        String[] orgs = zk("orgs", "--reaper", url);
        assertThat(orgs[0]).isEqualTo("0");
        assertThat(orgs[1]).contains("org-a", "orga", "org-b");
        String[] one = zk("org", "org-b", "--reaper", url);
        assertThat(one[1]).contains("org-b", "clusters in use: [\"org-b-c1\"]", "served by: 127.0.0.1:" + reaper.opsPort());

        String[] unknown = zk("org", "org-zzz", "--reaper", url);
        assertThat(unknown[0]).isEqualTo("1");
        assertThat(unknown[2]).contains("reaper answered 404");
        String[] unreachable = zk("orgs", "--reaper", "http://127.0.0.1:1");
        assertThat(unreachable[0]).isEqualTo("3");
        assertThat(unreachable[2]).contains("cannot reach the reaper");
    }

    private static String[] zk(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Zk.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }
}
