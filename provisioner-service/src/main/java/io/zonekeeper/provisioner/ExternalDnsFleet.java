package io.zonekeeper.provisioner;

import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.kafka.StateTopic;
import io.zonekeeper.common.runtime.CommandSchedule;
import io.zonekeeper.provisioner.aws.AwsAccount;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Route53 polling of every ExternalDNS Zonekeeper manages, as one fleet per AWS account: the ExternalDNS of an
 * account's organizations poll that account's Route53 bucket and list that account's zones, so each account's fleet
 * is sized on its own. The interval every deployment gets is read from the state mirror, which holds every
 * organization's clusters, so each provisioner instance computes the same one without coordinating: the interval
 * {@link FleetPolling#sizedFor sized} for the account's running clusters, or the longest already deployed there when
 * that is longer (intervals never step down, see {@link FleetPolling}).
 *
 * <p>When an account's fleet outgrows its share, clusters deployed earlier poll more often than the new interval. A
 * scan then has their organizations' writers roll them ({@code ROLL_EXTERNAL_DNS} on the organization's command
 * partition, so the one writer per organization does it), each instance for the organizations whose command
 * partitions it owns. Restarts are paced per account: a restarted ExternalDNS lists every zone of its account, so a
 * scan starts at most as many as a tenth of the account's share pays for over the scan period. The instance owning
 * command partition 0 says so once in the audit trail per account and new interval.
 */
final class ExternalDnsFleet implements CommandSchedule.Scan<OrgCommand> {

    private static final Logger LOG = LoggerFactory.getLogger(ExternalDnsFleet.class);
    /** The part of the fleet's share a re-roll may spend on restarts. */
    static final double RESTART_SHARE = 0.1;
    /** A command not yet applied is not sent again before this (the state mirror shows it applied). */
    static final Duration COMMAND_PATIENCE = Duration.ofMinutes(10);

    /** What an account's fleet is now: running clusters, the account's zones, what they poll at. */
    record Census(int runningClusters, int zones, double requestsPerSecond, FleetPolling polling) {
    }

    /**
     * What the fleet needs of each organization's state, kept as its states change: scans and census read these,
     * never the mirror, which holds encoded states (100,000 of them at a large installation).
     */
    private final Map<String, OrgFleet> organizations = new ConcurrentSkipListMap<>();
    private final FleetPolling.Budget budget;
    private final int otherZones;
    private final Duration scanPeriod;
    private final AuditPublisher audit;
    private final String issuedBy;
    /** Each account's interval as of the last scan, by account label: every deployment reads it, none walks the
     *  whole mirror. */
    private volatile Map<String, FleetPolling> pollings;
    private final Map<String, Duration> announced = new HashMap<>();

    /**
     * @param otherZones hosted zones in each account Zonekeeper does not manage: every ExternalDNS lists them too
     * @param scanPeriod real time between scans, which the restart allowance is paced by
     * @param issuedBy   who the commands say issued them
     */
    ExternalDnsFleet(StateTopic<OrgDnsState> states, FleetPolling.Budget budget, int otherZones, Duration scanPeriod,
                     AuditPublisher audit, String issuedBy) {
        this.budget = budget;
        this.otherZones = otherZones;
        this.scanPeriod = scanPeriod;
        this.audit = audit;
        this.issuedBy = issuedBy;
        states.listen((orgId, before, after) -> {
            if (after == null) {
                organizations.remove(orgId);
            } else {
                organizations.put(orgId, OrgFleet.of(after));
            }
        });
    }

    /**
     * One organization's part of its account's fleet.
     *
     * @param account         the account's label
     * @param ready           whether its zone is READY (only then are its clusters re-rolled)
     * @param zone            whether it has a zone in the account (READY or DELETING)
     * @param runningSeconds  the ExternalDNS interval of each running cluster, in seconds
     * @param longestDeployed the longest interval any of its clusters was deployed with; null when none says
     */
    private record OrgFleet(String account, boolean ready, boolean zone, int[] runningSeconds,
                            Duration longestDeployed) {

        static OrgFleet of(OrgDnsState state) {
            Duration longest = null;
            for (OrgCluster cluster : state.getClusters()) {
                if (cluster.getExternalDnsIntervalSeconds() != null) {
                    Duration interval = ClusterRoster.interval(cluster);
                    longest = longest == null || interval.compareTo(longest) > 0 ? interval : longest;
                }
            }
            return new OrgFleet(AwsAccount.label(state.getAwsAccount()), state.getStatus() == OrgDnsStatus.READY,
                    state.getStatus() == OrgDnsStatus.READY || state.getStatus() == OrgDnsStatus.DELETING,
                    state.getClusters().stream().filter(OrgCluster::getRunning)
                            .mapToInt(c -> (int) ClusterRoster.interval(c).toSeconds()).toArray(), longest);
        }

        Stream<Duration> running() {
            return Arrays.stream(runningSeconds).mapToObj(Duration::ofSeconds);
        }
    }

    /** The interval a deployment in the account gets now (null: the own account), as of the last scan. */
    FleetPolling polling(String accountId) {
        Map<String, FleetPolling> known = pollings;
        if (known == null) {
            known = pollings(census());
            pollings = known;
        }
        return known.getOrDefault(AwsAccount.label(accountId), new FleetPolling(FleetPolling.SHORTEST));
    }

    /** Each account's fleet, by account label. */
    Map<String, Census> census() {
        Map<String, List<Duration>> running = new TreeMap<>();
        Map<String, Integer> zones = new HashMap<>();
        Map<String, Duration> longest = new HashMap<>();
        for (OrgFleet org : organizations.values()) {
            List<Duration> accountRunning = running.computeIfAbsent(org.account(), a -> new ArrayList<>());
            if (org.zone()) {
                zones.merge(org.account(), 1, Integer::sum);
            }
            org.running().forEach(accountRunning::add);
            if (org.longestDeployed() != null) {
                longest.merge(org.account(), org.longestDeployed(), (x, y) -> x.compareTo(y) >= 0 ? x : y);
            }
        }
        Map<String, Census> census = new TreeMap<>();
        running.forEach((account, intervals) -> {
            int accountZones = otherZones + zones.getOrDefault(account, 0);
            Duration sized = FleetPolling.sizedFor(intervals.size(), accountZones, budget).interval();
            Duration deployed = longest.getOrDefault(account, FleetPolling.SHORTEST);
            Duration interval = sized.compareTo(deployed) >= 0 ? sized : deployed;
            double cost = FleetPolling.fleet(intervals, accountZones);
            census.put(account, new Census(intervals.size(), accountZones, cost, new FleetPolling(interval)));
        });
        return census;
    }

    private static Map<String, FleetPolling> pollings(Map<String, Census> census) {
        Map<String, FleetPolling> pollings = new HashMap<>();
        census.forEach((account, fleet) -> pollings.put(account, fleet.polling()));
        return Map.copyOf(pollings);
    }

    /** One pass: commands for the organizations whose running clusters poll more often than their account's interval. */
    @Override
    public void scan(Instant now, CommandSchedule.Issuer<OrgCommand> commands) {
        Map<String, Census> census = census();
        this.pollings = pollings(census);
        Map<String, Integer> allowance = new HashMap<>();
        census.forEach((account, fleet) -> allowance.put(account, Math.max(1, (int) (RESTART_SHARE
                * budget.perSecond() * scanPeriod.toSeconds() / FleetPolling.startRequests(fleet.zones())))));
        String rollId = UUID.randomUUID().toString();
        Map<String, Integer> behind = new HashMap<>();
        Map<String, Integer> started = new HashMap<>();
        for (Map.Entry<String, OrgFleet> entry : organizations.entrySet()) {
            OrgFleet org = entry.getValue();
            if (!org.ready()) {
                continue;
            }
            String account = org.account();
            FleetPolling polling = census.get(account).polling();
            int shorter = (int) org.running().filter(interval -> interval.compareTo(polling.interval()) < 0).count();
            behind.merge(account, shorter, Integer::sum);
            if (shorter == 0 || started.getOrDefault(account, 0) >= allowance.get(account)) {
                continue;
            }
            String orgId = entry.getKey();
            OrgCommand roll = OrgCommand.newBuilder().setCommandId(UUID.randomUUID()).setIssuedAt(now)
                    .setIssuedBy(issuedBy).setOrgId(orgId)
                    .setAction(OrgAction.ROLL_EXTERNAL_DNS)
                    .setReason("fleet re-roll " + rollId + ": ExternalDNS interval " + polling.interval().toSeconds()
                            + "s in account " + account).build();
            if (commands.issue(orgId, "roll/" + orgId, roll)) {
                started.merge(account, shorter, Integer::sum);
            }
        }
        if (!commands.ownsPartition(0)) {
            return;
        }
        census.forEach((account, fleet) -> {
            int toRoll = behind.getOrDefault(account, 0);
            if (toRoll > 0 && !fleet.polling().interval().equals(announced.get(account))) {
                announced.put(account, fleet.polling().interval());
                announce(account, fleet, toRoll, allowance.get(account), rollId);
            }
        });
    }

    private void announce(String account, Census fleet, int toRoll, int allowance, String rollId) {
        FleetPolling polling = fleet.polling();
        LOG.info("{} running ExternalDNS of account {} poll Route53 at {} requests/s; for the fleet's share of {}/s the"
                + " interval is now {}s", fleet.runningClusters(), account, fleet.requestsPerSecond(), budget.perSecond(),
                polling.interval().toSeconds());
        AuditTrail trail = new AuditTrail(audit, rollId, null, null);
        trail.record(AuditAction.UPDATED, ResourceType.EXTERNAL_DNS, "fleet",
                String.format("%d running ExternalDNS%s poll Route53 at %.2f requests/s at their intervals;"
                                + " for the fleet's share of %.2f/s the interval is now %ds, and the %d clusters"
                                + " polling more often are re-rolled, at most %d per %ds", fleet.runningClusters(),
                        account.equals(AwsAccount.OWN) ? "" : " of account " + account, fleet.requestsPerSecond(), budget.perSecond(), polling.interval().toSeconds(), toRoll,
                        allowance, scanPeriod.toSeconds()),
                Map.of("intervalSeconds", Long.toString(polling.interval().toSeconds()),
                        "account", account,
                        "runningClusters", Integer.toString(fleet.runningClusters()),
                        "zones", Integer.toString(fleet.zones()),
                        "clustersToRoll", Integer.toString(toRoll)));
        trail.awaitDurable();
    }
}
