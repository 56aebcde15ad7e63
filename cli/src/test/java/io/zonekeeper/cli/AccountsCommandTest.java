package io.zonekeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zonekeeper.common.ops.OpsServer;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * zk accounts: a real reaper's view of where organizations live, and quota gauges served as the provisioner serves
 * them (its operations server, the names and tags AccountQuotas registers; AccountPoolTest checks the provisioner
 * publishes them so).
 */
class AccountsCommandTest {

    private static final String A = "210987654321";
    private static final String B = "310987654321";
    private static final Instant NOW = Instant.parse("2027-02-10T12:00:00Z");

    private final CliReaper reaper = new CliReaper(ServiceClock.of(Clock.fixed(NOW, ZoneOffset.UTC),
            "test clock"));
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final OpsServer provisioner = new OpsServer(0, metrics).start(List.of(), List.of());

    @AfterEach
    void stop() {
        provisioner.close();
        reaper.close();
    }

    @Test
    void showsEachAccountsQuotasRoomAndOrganizations() {
        quota(A, "hosted_zones", 3, 500);
        quota(A, "iam_users", 2, 5000);
        quota(A, "delegation_sets", 1, 100);
        quota(B, "hosted_zones", 500, 500);
        quota(B, "iam_users", 480, 5000);
        quota("own", "hosted_zones", Double.NaN, Double.NaN);
        zone("org-1", A, OrgDnsStatus.READY);
        zone("org-2", A, OrgDnsStatus.READY);
        zone("org-3", B, OrgDnsStatus.READY);
        zone("org-4", null, OrgDnsStatus.DELETED);
        event("org-1");
        event("org-3");
        String provisionerUrl = "http://127.0.0.1:" + provisioner.port();
        // Organizations, zones and running clusters per account, once the reaper has seen the events.
        await().atMost(Duration.ofSeconds(60)).until(() -> columns(zk("accounts", "--provisioner", provisionerUrl,
                "--reaper", reaper.url())[1], A).stream().skip(1).limit(3).toList().equals(List.of("2", "2", "1")));

        String[] shown = zk("accounts", "--provisioner", provisionerUrl, "--reaper", reaper.url());
        assertThat(shown[0]).isEqualTo("0");
        assertThat(columns(shown[1], A)).containsExactly(A, "2", "2", "1", "3/500", "2/5000", "1/100", "497",
                "organization(s)");
        assertThat(columns(shown[1], B)).containsExactly(B, "1", "1", "1", "500/500", "480/5000", "not", "read",
                "0", "organization(s)");
        assertThat(columns(shown[1], "own")).as("a reaped organization: no zone; quotas not read yet")
                .containsExactly("own", "1", "0", "0", "not", "read", "not", "read", "not", "read", "unknown");
        assertThat(shown[1]).contains("3 account(s)");

        assertThat(zk("accounts", "--provisioner", "http://127.0.0.1:1", "--reaper", reaper.url())[0])
                .isEqualTo("3");
    }

    @Test
    void readsTheQuotaGaugesOfAScrape() {
        quota(A, "hosted_zones", 3, 500);
        quota("own", "iam_users", Double.NaN, 5000);
        var quotas = AccountsCommand.quotas(metrics.scrape());
        assertThat(quotas).containsOnlyKeys(A, "own");
        assertThat(quotas.get(A)).isEqualTo(Map.of("hosted_zones", new AccountsCommand.Quota(3, 500)));
        assertThat(quotas.get("own").get("iam_users").room()).as("used not read").isEqualTo(-1);
    }

    private void quota(String account, String quota, double used, double limit) {
        Gauge.builder("zonekeeper.aws.quota.used", () -> used).tag("account", account).tag("quota", quota)
                .register(metrics);
        Gauge.builder("zonekeeper.aws.quota.limit", () -> limit).tag("account", account).tag("quota", quota)
                .register(metrics);
    }

    private void zone(String org, String account, OrgDnsStatus status) {
        reaper.send(reaper.zonesTopic, org, OrgDnsState.newBuilder().setOrgId(org).setOrgName(org.replace("-", ""))
                .setBaseDomain("example.com").setStatus(status).setAwsAccount(account)
                .setZoneName(org.replace("-", "") + ".example.com.").setZoneId("Z-" + org).setZoneGeneration(1)
                .setZoneCreatedAt(NOW.minusSeconds(3600)).setUpdatedAt(NOW.minusSeconds(600)).build());
    }

    private void event(String org) {
        reaper.send(reaper.lifecycleTopic, org, ClusterLifecycleEvent.newBuilder().setEventId(UUID.randomUUID())
                .setOccurredAt(NOW.minusSeconds(300)).setOrgId(org).setOrgName(org.replace("-", ""))
                .setClusterId(org + "-c1").setClusterName("c1").setStatus(ClusterStatus.RUNNING).setCloud("amazon")
                .setRegion("eu-west-1").setKubeconfigVaultPath("clusters/k").build());
    }

    private static List<String> columns(String output, String account) {
        return output.lines().filter(l -> l.startsWith(account + " ")).findFirst()
                .map(l -> List.of(l.trim().split("\\s+"))).orElse(List.of());
    }

    private static String[] zk(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Zk.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }
}
