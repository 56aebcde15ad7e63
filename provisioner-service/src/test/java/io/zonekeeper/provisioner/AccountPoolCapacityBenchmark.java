package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.testkit.kubernetes.SimulatedCluster;
import io.zonekeeper.testkit.tls.LoopbackAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * More organizations than one AWS account can hold: 6,000 over a pool of two accounts, each holding at most IAM's
 * 5,000 users (the testkit enforces the quota as IAM does; moto does not). The first account already has 4,000 users
 * of its own, so placement has to honour each account's room, not just spread: 1,000 organizations fit there, the
 * other 5,000 in the second. Route53's zone quota is raised to 10,000 per account (it can be; IAM's cannot). Rates are
 * lifted (the emulator does not throttle): this measures room and calls, not the buckets. Not part of the suite: run
 * with {@code ./mvnw -B install -DskipTests && ./mvnw -B -pl provisioner-service test -Dsurefire.excludedGroups=
 * -Dtest=AccountPoolCapacityBenchmark} ({@code -Dbenchmark.orgs}, {@code -Dbenchmark.prefilled}); results go to
 * stdout and {@code provisioner-service/target/benchmark-account-pool.txt}.
 */
@Tag("benchmark")
class AccountPoolCapacityBenchmark {

    private static final String A = "210987654321";
    private static final String B = "310987654321";
    private static final int USERS_PER_ACCOUNT = 5_000;

    @Test
    void sixThousandOrganizationsFitInAPoolWhoseAccountsHoldFiveThousandUsersEach() throws Exception {
        int orgs = Integer.getInteger("benchmark.orgs", 6_000);
        int prefilled = Integer.getInteger("benchmark.prefilled", 4_000);
        List<String> report = new ArrayList<>();
        try (ProvisionerWorld world = new ProvisionerWorld()) {
            world.usePool(A, B);
            world.route53Rules.hostedZoneLimit(10_000);
            world.iamRules.userLimit(USERS_PER_ACCOUNT);
            for (String lifted : List.of("ROUTE53_RATE_PER_SECOND", "ROUTE53_BURST", "IAM_RATE_PER_SECOND", "IAM_BURST",
                    "ROUTE53_CREATE_ZONE_RATE_PER_SECOND")) {
                world.setEnv(lifted, "1000");
            }
            try (IamClient first = world.accounts.iam(A)) {
                IntStream.range(0, prefilled).parallel().forEach(i -> first.createUser(r -> r.userName("other-" + i)));
            }
            List<SimulatedCluster> servers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                servers.add(world.cluster("server-" + i));
            }
            // Each organization's cluster is an API server of its own to the provisioner's claims (another
            // authority), on five simulated servers.
            Path authorities = Files.createTempDirectory("authorities");
            for (int o = 0; o < orgs; o++) {
                String ca = Files.readString(LoopbackAuthority.create(authorities.resolve("c-" + o), "c-" + o)
                        .trustBundle());
                world.vault.write(ProvisionerWorld.kubeconfigPath("c-" + o),
                        Map.of("kubeconfig", servers.get(o % servers.size()).kubeconfigAsAnotherServer(ca)));
            }
            world.startService("bench-" + world.suffix);
            world.aws.resetCounts();
            long start = System.nanoTime();
            for (int o = 0; o < orgs; o++) {
                world.emit(ProvisionerWorld.event("org-" + o, "org" + o, "c-" + o, ClusterStatus.RUNNING));
            }
            Map<String, OrgDnsState> states = awaitSettled(world, orgs, Duration.ofMinutes(60));
            double seconds = (System.nanoTime() - start) / 1e9;

            Map<String, Long> byStatus = states.values().stream().collect(Collectors.groupingBy(
                    s -> s.getStatus().name(), TreeMap::new, Collectors.counting()));
            Map<String, Long> byAccount = states.values().stream().filter(s -> s.getStatus() == OrgDnsStatus.READY)
                    .collect(Collectors.groupingBy(OrgDnsState::getAwsAccount, TreeMap::new, Collectors.counting()));
            Map<String, Long> route53 = world.route53CallsByOperation();
            Map<String, Long> iam = world.iamCalls();
            report.add("organizations: " + orgs + " over accounts " + A + " (" + prefilled + " users of its own before)"
                    + " and " + B + ", at most " + USERS_PER_ACCOUNT + " users each");
            report.add(String.format("all settled in %.1f s (%.1f organizations/s)", seconds, orgs / seconds));
            report.add("states by status: " + byStatus);
            report.add("ready organizations by account: " + byAccount);
            report.add("IAM users now: " + A + " " + world.iamRules.users(A) + ", " + B + " " + world.iamRules.users(B));
            report.add(String.format("Route53 calls per new organization: %.3f %s", perOrg(route53, orgs), route53));
            report.add(String.format("IAM calls per new organization: %.3f %s", perOrg(iam, orgs), iam));
            report.add("dead letters: " + world.deadLetters().size());
            report.forEach(System.out::println);
            Files.write(Path.of("target", "benchmark-account-pool.txt"), report);

            assertThat(byStatus).containsExactly(Map.entry("READY", (long) orgs));
            assertThat(world.iamRules.users(A)).isLessThanOrEqualTo(USERS_PER_ACCOUNT);
            assertThat(world.iamRules.users(B)).isLessThanOrEqualTo(USERS_PER_ACCOUNT);
            assertThat(world.deadLetters()).isEmpty();
        }
    }

    private static double perOrg(Map<String, Long> calls, int orgs) {
        return calls.values().stream().mapToLong(Long::longValue).sum() / (double) orgs;
    }

    /** Every organization's state once each is READY or FAILED. */
    private static Map<String, OrgDnsState> awaitSettled(ProvisionerWorld world, int orgs, Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            Map<String, OrgDnsState> states = world.orgStates();
            long settled = states.values().stream().filter(s -> s != null && (s.getStatus() == OrgDnsStatus.READY
                    || s.getStatus() == OrgDnsStatus.FAILED)).count();
            if (settled >= orgs) {
                return states;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(settled + " of " + orgs + " settled within " + within);
            }
            Thread.sleep(2_000);
        }
    }
}
