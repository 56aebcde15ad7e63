package io.zonekeeper.reaper;

import io.zonekeeper.common.kafka.TopicNames;

/** The reaper's topics, every name configuration; and its state stores, named once here. */
public record Topics(String lifecycle, String orgDns, String orgClusters, String reap, String audit) {

    /** Per organization: the clusters using its zone and the newest lifecycle position considered. */
    public static final String USAGE_STORE = "org-usage";
    /** Per organization: its zone as the provisioner last published it. */
    public static final String ZONES_STORE = "org-zones";
    /** Per organization: the reap decided and not yet commanded. */
    public static final String PENDING_REAPS_STORE = "pending-reaps";

    public static Topics defaults() {
        return new Topics(TopicNames.LIFECYCLE_BY_ORG, TopicNames.ORG_DNS, TopicNames.ORG_CLUSTERS, TopicNames.REAP, TopicNames.AUDIT);
    }
}
