package io.zonekeeper.schemas;

import java.util.List;
import org.apache.avro.Schema;

/** Every top-level record Zonekeeper publishes or consumes, in one list for checks and tools. */
public final class Contracts {

    public static final List<Schema> ALL = List.of(
            ClusterLifecycleEvent.getClassSchema(),
            OrgDnsState.getClassSchema(),
            ClusterTlsState.getClassSchema(),
            OrgClusters.getClassSchema(),
            ZoneReapCommand.getClassSchema(),
            CertificateRequest.getClassSchema(),
            CertCommand.getClassSchema(),
            OrgCommand.getClassSchema(),
            AuditEvent.getClassSchema());

    private Contracts() {
    }
}
