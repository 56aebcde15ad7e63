package io.zonekeeper.provisioner;

import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.kafka.StateTopic;
import io.zonekeeper.common.runtime.CommandSchedule;
import io.zonekeeper.provisioner.model.ClusterRoster;
import io.zonekeeper.provisioner.model.FleetPolling;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.OrgAction;
import io.zonekeeper.schemas.OrgCluster;
import io.zonekeeper.schemas.OrgCommand;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Route53 polling of every ExternalDNS Zonekeeper manages, as one fleet. The interval every deployment gets is
 * read from the state mirror, which holds every organization's clusters, so each provisioner instance computes the
 * same one without coordinating: the interval {@link FleetPolling#sizedFor sized} for the running clusters, or the
 * longest already deployed when that is longer (intervals never step down, see {@link FleetPolling}).
 *
 * <p>When the fleet outgrows its share, clusters deployed earlier poll more often than the new interval. A scan
 * then has their organizations' writers roll them ({@code ROLL_EXTERNAL_DNS} on the organization's command
 * partition, so the one writer per organization does it), each instance for the organizations whose command
 * partitions it owns. Restarts are paced: a restarted ExternalDNS lists every zone of the account, so a scan starts
 * at most as many as a tenth of the share pays for over the scan period. The instance owning command partition 0
 * says so once in the audit trail per new interval.
 */
final class ExternalDnsFleet implements CommandSchedule.Scan<OrgCommand> {

    private static final Logger LOG = LoggerFactory.getLogger(ExternalDnsFleet.class);
    /** The part of the fleet's share a re-roll may spend on restarts. */
    static final double RESTART_SHARE = 0.1;
    /** A command not yet applied is not sent again before this (the state mirror shows it applied). */
    static final Duration COMMAND_PATIENCE = Duration.ofMinutes(10);

    /** What the fleet is now: running clusters, the account's zones, what they poll at. */
    record Census(int runningClusters, int zones, double requestsPerSecond, FleetPolling polling) {
    }

    private final StateTopic<OrgDnsState> states;
    private final FleetPolling.Budget budget;
    private final int otherZones;
    private final Duration scanPeriod;
    private final AuditPublisher audit;
    private final String issuedBy;
    /** The interval as of the last scan: every deployment reads it, so none walks the whole mirror. */
    private volatile FleetPolling polling;
    private Duration announced;

    /**
     * @param otherZones hosted zones in the account Zonekeeper does not manage: every ExternalDNS lists them too
     * @param scanPeriod real time between scans, which the restart allowance is paced by
     * @param issuedBy   who the commands say issued them
     */
    ExternalDnsFleet(StateTopic<OrgDnsState> states, FleetPolling.Budget budget, int otherZones, Duration scanPeriod,
                     AuditPublisher audit, String issuedBy) {
        this.states = states;
        this.budget = budget;
        this.otherZones = otherZones;
        this.scanPeriod = scanPeriod;
        this.audit = audit;
        this.issuedBy = issuedBy;
    }

    /** The interval a deployment gets now: as of the last scan (the first call takes a census). */
    FleetPolling polling() {
        FleetPolling known = polling;
        if (known == null) {
            known = census().polling();
            polling = known;
        }
        return known;
    }

    Census census() {
        List<OrgCluster> running = new ArrayList<>();
        int zones = otherZones;
        Duration longest = FleetPolling.SHORTEST;
        for (OrgDnsState state : states.all()) {
            if (state.getStatus() == OrgDnsStatus.READY || state.getStatus() == OrgDnsStatus.DELETING) {
                zones++;
            }
            for (OrgCluster cluster : state.getClusters()) {
                if (cluster.getRunning()) {
                    running.add(cluster);
                }
                if (cluster.getExternalDnsIntervalSeconds() != null
                        && ClusterRoster.interval(cluster).compareTo(longest) > 0) {
                    longest = ClusterRoster.interval(cluster);
                }
            }
        }
        Duration sized = FleetPolling.sizedFor(running.size(), zones, budget).interval();
        Duration interval = sized.compareTo(longest) >= 0 ? sized : longest;
        double cost = FleetPolling.fleet(running.stream().map(ClusterRoster::interval).toList(), zones);
        return new Census(running.size(), zones, cost, new FleetPolling(interval));
    }

    /** One pass: commands for the organizations whose running clusters poll more often than the fleet's interval. */
    @Override
    public void scan(Instant now, CommandSchedule.Issuer<OrgCommand> commands) {
        Census census = census();
        FleetPolling polling = census.polling();
        this.polling = polling;
        int allowance = Math.max(1, (int) (RESTART_SHARE * budget.perSecond() * scanPeriod.toSeconds()
                / FleetPolling.startRequests(census.zones())));
        String rollId = UUID.randomUUID().toString();
        int behind = 0;
        int started = 0;
        for (OrgDnsState state : states.all()) {
            if (state.getStatus() != OrgDnsStatus.READY) {
                continue;
            }
            int shorter = (int) state.getClusters().stream().filter(c -> c.getRunning()
                    && ClusterRoster.interval(c).compareTo(polling.interval()) < 0).count();
            behind += shorter;
            if (shorter == 0 || started >= allowance) {
                continue;
            }
            OrgCommand roll = OrgCommand.newBuilder().setCommandId(UUID.randomUUID()).setIssuedAt(now)
                    .setIssuedBy(issuedBy).setOrgId(state.getOrgId())
                    .setAction(OrgAction.ROLL_EXTERNAL_DNS)
                    .setReason("fleet re-roll " + rollId + ": ExternalDNS interval " + polling.interval().toSeconds()
                            + "s").build();
            if (commands.issue(state.getOrgId(), "roll/" + state.getOrgId(), roll)) {
                started += shorter;
            }
        }
        if (behind > 0 && !polling.interval().equals(announced) && commands.ownsPartition(0)) {
            announced = polling.interval();
            LOG.info("{} running ExternalDNS poll Route53 at {} requests/s; for the fleet's share of {}/s the interval "
                    + "is now {}s", census.runningClusters(), census.requestsPerSecond(), budget.perSecond(),
                    polling.interval().toSeconds());
            AuditTrail trail = new AuditTrail(audit, rollId, null, null);
            trail.record(AuditAction.UPDATED, ResourceType.EXTERNAL_DNS, "fleet",
                    String.format("%d running ExternalDNS poll Route53 at %.2f requests/s at their intervals; for "
                                    + "the fleet's share of %.2f/s the interval is now %ds, and the %d clusters polling "
                                    + "more often are re-rolled, at most %d per %ds", census.runningClusters(),
                            census.requestsPerSecond(), budget.perSecond(), polling.interval().toSeconds(), behind,
                            allowance, scanPeriod.toSeconds()),
                    Map.of("intervalSeconds", Long.toString(polling.interval().toSeconds()),
                            "runningClusters", Integer.toString(census.runningClusters()),
                            "zones", Integer.toString(census.zones()),
                            "clustersToRoll", Integer.toString(behind)));
            trail.awaitDurable();
        }
    }
}
