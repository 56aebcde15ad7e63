package io.zonekeeper.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ResourceType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.HostedZone;

/**
 * What the scenario must have shown once its clock passed the month boundary, read from the audit trail (times
 * are the services' clock) and the AWS emulator: the young zone reaped at once by the 12-hour rule, the paid-for
 * zone reaped in the month-end window before the boundary, the returning organization's zone kept across it, a
 * certificate renewed, and every event marked with the clock it was decided on.
 */
record ScenarioOutcome(List<AuditEvent> audit, Route53Client route53, Timeline timeline, String youngOrg,
                       String migratedOrg, String returningOrg) {

    /** The reaper's month-end margin in the local run's simulated settings: a lone month-end reap goes then. */
    static final Duration MONTH_END_MARGIN = Duration.ofHours(1);

    /** Once the clock has passed the scenario's last step. */
    void assertShown() {
        Instant left = timeline.at(Timeline.LEAD.minus(ScenarioDriver.LEAVE_BEFORE_LEAD));
        Instant monthStart = Timeline.nextMonthStart(left);
        Instant windowOpens = monthStart.minus(MONTH_END_MARGIN);
        boolean monthEndInRun = !windowOpens.isAfter(timeline.at(Timeline.LEAD.plus(ScenarioDriver.AFTER_LEAD)));
        assertThat(audit).allSatisfy(e -> assertThat(e.getClock()).as("clock of %s", e)
                .isEqualTo(timeline.clock().description()));

        // A reap commanded while the organization's last events are still arriving (STOPPED, then DELETED) is
        // refused by the provisioner's fence and commanded again with the newer position: one or more commands.
        assertThat(of(youngOrg, AuditAction.REAP_COMMANDED)).isNotEmpty()
                .allSatisfy(e -> assertThat(e.getReason()).isEqualTo("due FREE_WINDOW"));
        Instant youngCreated = only(youngOrg, AuditAction.CREATED, ResourceType.HOSTED_ZONE).getOccurredAt();
        assertThat(only(youngOrg, AuditAction.DELETED, ResourceType.HOSTED_ZONE).getOccurredAt())
                .as("deleted while free").isBefore(youngCreated.plus(Duration.ofHours(12)));

        AuditEvent scheduled = only(migratedOrg, AuditAction.REAP_SCHEDULED);
        assertThat(scheduled.getReason()).isEqualTo("policy MONTH_END");
        assertThat(scheduled.getDetails()).containsEntry("dueAt", windowOpens.toString());
        if (monthEndInRun) {
            assertThat(of(migratedOrg, AuditAction.REAP_COMMANDED)).isNotEmpty().allSatisfy(e -> {
                assertThat(e.getReason()).isEqualTo("due MONTH_END");
                assertThat(e.getOccurredAt()).as("commanded in the month-end window").isBetween(windowOpens, monthStart);
            });
            assertThat(only(migratedOrg, AuditAction.DELETED, ResourceType.HOSTED_ZONE).getOccurredAt())
                    .as("gone before the next month is charged").isBefore(monthStart);
            assertThat(timeline.clock().now()).as("the clock crossed the boundary").isAfter(monthStart);
        } else {
            assertThat(of(migratedOrg, AuditAction.REAP_COMMANDED)).as("paid for: kept to the month end").isEmpty();
            assertThat(of(migratedOrg, AuditAction.DELETED)).isEmpty();
        }

        assertThat(of(returningOrg, AuditAction.REAP_SCHEDULED)).isNotEmpty();
        assertThat(of(returningOrg, AuditAction.REAP_CANCELLED)).isNotEmpty()
                .allSatisfy(e -> assertThat(e.getOccurredAt()).isBefore(windowOpens));
        assertThat(of(returningOrg, AuditAction.REAP_COMMANDED)).as("kept: never commanded").isEmpty();
        assertThat(of(returningOrg, AuditAction.DELETED)).isEmpty();
        assertThat(route53.listHostedZones().hostedZones()).extracting(HostedZone::name)
                .contains(ScenarioDriver.orgName(Integer.parseInt(returningOrg.substring("org-".length())))
                        + "." + Dependencies.BASE_DOMAIN + ".");

        assertThat(audit).filteredOn(e -> e.getAction() == AuditAction.RENEWED
                && e.getResourceType() == ResourceType.CERTIFICATE).isNotEmpty();
    }

    private List<AuditEvent> of(String orgId, AuditAction action) {
        return audit.stream().filter(e -> orgId.equals(e.getOrgId()) && e.getAction() == action).toList();
    }

    private AuditEvent only(String orgId, AuditAction action) {
        List<AuditEvent> events = of(orgId, action);
        assertThat(events).as("%s of %s", action, orgId).hasSize(1);
        return events.get(0);
    }

    private AuditEvent only(String orgId, AuditAction action, ResourceType type) {
        List<AuditEvent> events = of(orgId, action).stream().filter(e -> e.getResourceType() == type).toList();
        assertThat(events).as("%s %s of %s", action, type, orgId).hasSize(1);
        return events.get(0);
    }
}
