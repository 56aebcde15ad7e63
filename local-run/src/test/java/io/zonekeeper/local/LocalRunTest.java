package io.zonekeeper.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ResourceType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import software.amazon.awssdk.services.route53.model.HostedZone;

/**
 * The local run headless, as a user starts it (on its default simulated clock, whatever today's date): the three
 * services in their own JVMs against the embedded dependencies, across the coming month boundary, and the end
 * state checked where it lives — zones in the AWS emulator, keys and certificates in Vault, Secrets and
 * ExternalDNS in the simulated clusters, and the audit trail.
 */
class LocalRunTest {

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private LocalRun run;

    @AfterEach
    void stop() {
        if (run != null) {
            run.stop();
        }
    }

    @Test
    void aScenarioAcrossAMonthBoundaryShowsBothReapRulesAKeptZoneAndARenewal() throws Exception {
        run = new LocalRun(new PrintStream(output, true, StandardCharsets.UTF_8));
        new CommandLine(run).parseArgs("--no-ui", "--orgs", "4", "--clusters", "2",
                "--logs", Files.createTempDirectory("local-run-logs").toString());
        run.start();
        Dependencies world = run.dependencies();
        Timeline timeline = run.timeline();
        assertThat(timeline.clock().simulated()).isTrue();

        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() ->
                timeline.clock().now().isAfter(run.driver().end()) && run.driver().done() == run.driver().steps()
                        && actions(AuditAction.DELETED, ResourceType.HOSTED_ZONE) == 2
                        && actions(AuditAction.RENEWED, ResourceType.CERTIFICATE) >= 1
                        && actions(AuditAction.REJECTED, ResourceType.LIFECYCLE_EVENT) >= 4
                        && actions(AuditAction.REJECTED, ResourceType.CERTIFICATE_REQUEST) == 1
                        && actions(AuditAction.INJECTED, ResourceType.TLS_SECRET) >= 5);
        new ScenarioOutcome(run.view().auditEvents(), world.route53, timeline, ScenarioDriver.orgId(3),
                ScenarioDriver.orgId(2), ScenarioDriver.orgId(1)).assertShown();

        Set<String> zones = world.route53.listHostedZones().hostedZones().stream().map(HostedZone::name)
                .collect(Collectors.toSet());
        assertThat(zones).contains("acme.zonekeeper.test.", "globex.zonekeeper.test.")
                .doesNotContain("initech.zonekeeper.test.", "umbrella.zonekeeper.test.");
        assertThat(world.vault.read("zonekeeper/orgs/org-0/aws")).hasValueSatisfying(key ->
                assertThat(key).containsKeys("accessKeyId", "secretAccessKey"));
        assertThat(world.vault.read("zonekeeper/tls/org-0/ca")).isPresent();
        assertThat(world.vault.read("zonekeeper/tls/org-0/clusters/acme-c0/mysql")).isPresent();

        try (var admin = world.clusters.get("acme-c0").adminClient()) {
            Secret tls = admin.secrets().inNamespace("zonekeeper").withName("zonekeeper-tls").get();
            assertThat(tls.getType()).isEqualTo("kubernetes.io/tls");
            assertThat(admin.apps().deployments().inNamespace("external-dns").withName("external-dns").get()
                    .getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                    .contains("--domain-filter=acme.zonekeeper.test", "--txt-owner-id=acme-c0");
        }
        assertThat(run.services().values()).allSatisfy(s -> assertThat(s.alive()).as(s.name()).isTrue());
        String printed = output.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("outside the organization's zone", "not a single DNS label",
                "(simulated, 600x; month boundary ");
        assertThat(printed).doesNotContain("PRIVATE KEY").doesNotContain(
                world.vault.read("zonekeeper/orgs/org-0/aws").orElseThrow().get("secretAccessKey").toString());
        assertThat(Files.readString(run.services().get("reaper-service").log()))
                .contains("REAPER-SERVICE RUNS ON A SIMULATED CLOCK");
    }

    private long actions(AuditAction action, ResourceType type) {
        return run.view().auditEvents().stream().filter(e -> e.getAction() == action && e.getResourceType() == type)
                .count();
    }
}
