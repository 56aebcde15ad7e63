package io.zonekeeper.reaper;

import io.zonekeeper.common.events.LifecycleEventRules;
import io.zonekeeper.common.time.ServiceClock;
import java.time.Duration;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The reaper's topology: lifecycle events and the provisioner's zone states (co-partitioned, both keyed by
 * organization id) feed one processor that keeps the clusters using each organization's zone, publishes them to
 * {@code org.clusters.v1}, decides reaps with the {@link ReapPolicy}, and on a wall-clock schedule commands the
 * due ones on {@code zone.reap.v1}.
 */
public final class RunningClustersTopology {

    static final String LIFECYCLE_SOURCE = "lifecycle-source";
    static final String ZONES_SOURCE = "zones-source";
    static final String PROCESSOR = "running-clusters";
    static final String ORG_CLUSTERS_SINK = "org-clusters-sink";
    static final String REAP_SINK = "reap-sink";
    static final String AUDIT_SINK = "audit-sink";

    /** Per organization: the clusters using its zone and the newest lifecycle position considered. */
    public static final String USAGE_STORE = "org-usage";
    /** Per organization: its zone as the provisioner last published it. */
    public static final String ZONES_STORE = "org-zones";
    /** Per organization: the reap decided and not yet commanded. */
    public static final String PENDING_REAPS_STORE = "pending-reaps";

    private RunningClustersTopology() {
    }

    /**
     * @param punctuateEvery how often due reaps are looked for, in the clock's time
     * @param rules          what makes a lifecycle event valid (the three services' one validation)
     * @param clock          what every decision reads: when a reap is due, whether an event is in the future,
     *                       audit times
     */
    public static Topology build(ReaperConfig.Topics topics, ReaperSerdes serdes, ReapPolicy policy, Duration punctuateEvery,
                                 LifecycleEventRules rules, String instance, ServiceClock clock) {
        return build(topics, serdes, policy, punctuateEvery, rules, instance, clock,
                Stores::persistentKeyValueStore);
    }

    /**
     * As above, with the stores from {@code stores} (by name) instead of RocksDB: the cost simulation runs months
     * of events through a TopologyTestDriver, which commits (and so flushes RocksDB to disk) after every record.
     */
    static Topology build(ReaperConfig.Topics topics, ReaperSerdes serdes, ReapPolicy policy, Duration punctuateEvery,
                          LifecycleEventRules rules, String instance, ServiceClock clock,
                          Function<String, KeyValueBytesStoreSupplier> stores) {
        Topology topology = new Topology();
        topology.addSource(LIFECYCLE_SOURCE, Serdes.String().deserializer(), serdes.lifecycle().deserializer(),
                topics.lifecycle());
        topology.addSource(ZONES_SOURCE, Serdes.String().deserializer(), serdes.orgDns().deserializer(), topics.orgDns());
        topology.addProcessor(PROCESSOR, () -> new RunningClustersProcessor(topics.orgDns(), policy, punctuateEvery, rules,
                        instance, clock),
                LIFECYCLE_SOURCE, ZONES_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(stores.apply(USAGE_STORE),
                Serdes.String(), JsonSerde.of(OrgUsage.class)), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(stores.apply(ZONES_STORE),
                Serdes.String(), serdes.orgDns()), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(stores.apply(PENDING_REAPS_STORE),
                Serdes.String(), JsonSerde.of(PendingReap.class)), PROCESSOR);
        topology.addSink(ORG_CLUSTERS_SINK, topics.orgClusters(), Serdes.String().serializer(),
                serdes.orgClusters().serializer(), PROCESSOR);
        topology.addSink(REAP_SINK, topics.reap(), Serdes.String().serializer(), serdes.reap().serializer(), PROCESSOR);
        topology.addSink(AUDIT_SINK, topics.audit(), Serdes.String().serializer(), serdes.audit().serializer(),
                PROCESSOR);
        return topology;
    }
}
