package io.zonekeeper.reaper;

import io.zonekeeper.schemas.AuditEvent;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.OrgClusters;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.ZoneReapCommand;
import org.apache.kafka.common.serialization.Serde;

/** The value serdes of the reaper's public topics (keys are organization ids as UTF-8 strings). */
public record ReaperSerdes(Serde<ClusterLifecycleEvent> lifecycle, Serde<OrgDnsState> orgDns,
                           Serde<OrgClusters> orgClusters, Serde<ZoneReapCommand> reap, Serde<AuditEvent> audit) {
}
