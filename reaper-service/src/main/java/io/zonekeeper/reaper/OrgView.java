package io.zonekeeper.reaper;

import io.zonekeeper.schemas.OrgDnsState;
import java.time.Instant;
import java.util.List;

/**
 * What the query endpoint shows of one organization: the clusters using its zone, the zone, and the reap
 * waiting for it, if any. Times are ISO-8601 UTC strings; {@code servedBy} is the instance that owns the
 * organization ({@code host:port}), for operators following a request.
 */
public record OrgView(String orgId, String orgName, List<String> clustersInUse, int clusterCount,
                      String lastChangedAt, Zone zone, Reap pendingReap, String servedBy) {

    /** {@code awsAccount}: the account of the provisioner's pool the zone is in; null for the provisioner's own. */
    public record Zone(String zoneId, String zoneName, String status, String createdAt, String awsAccount) {
    }

    /** {@code commandedAt} is null until the reap was commanded (then the provisioner is executing or refused it). */
    public record Reap(String dueAt, String reason, String decidedAt, String commandedAt) {
    }

    static OrgView of(String orgId, OrgUsage usage, OrgDnsState zone, PendingReap reap, String servedBy) {
        List<String> using = usage == null ? List.of() : List.copyOf(usage.using());
        String name = usage != null ? usage.orgName() : zone != null ? zone.getOrgName() : null;
        return new OrgView(orgId, name, using, using.size(),
                usage == null || usage.lastChangedAt() == 0 ? null : Instant.ofEpochMilli(usage.lastChangedAt()).toString(),
                zone == null ? null : new Zone(zone.getZoneId(), zone.getZoneName(), zone.getStatus().name(),
                        zone.getZoneCreatedAt() == null ? null : zone.getZoneCreatedAt().toString(),
                        zone.getAwsAccount()),
                reap == null ? null : new Reap(Instant.ofEpochMilli(reap.dueAt()).toString(), reap.reason().name(),
                        Instant.ofEpochMilli(reap.decidedAt()).toString(),
                        reap.commanded() ? Instant.ofEpochMilli(reap.commandedAt()).toString() : null), servedBy);
    }
}
