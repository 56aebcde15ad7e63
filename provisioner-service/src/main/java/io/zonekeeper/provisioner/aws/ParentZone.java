package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.audit.ResourceChange;

/**
 * The zone of the base domain, where every organization's delegation goes, in whichever account of the pool holds
 * it: its delegation changes go through that account's clients and token bucket.
 */
public record ParentZone(String id, HostedZones zones) {

    /** See {@link HostedZones#ensureDelegation}. */
    public ResourceChange ensureDelegation(Zone zone) {
        return zones.ensureDelegation(id, zone);
    }

    /** See {@link HostedZones#upsertDelegation}. */
    public ResourceChange upsertDelegation(Zone zone) {
        return zones.upsertDelegation(id, zone);
    }

    /** See {@link HostedZones#createDelegation}. */
    public ResourceChange createDelegation(Zone zone) {
        return zones.createDelegation(id, zone);
    }

    /** See {@link HostedZones#removeDelegation}. */
    public ResourceChange removeDelegation(String zoneName) {
        return zones.removeDelegation(id, zoneName);
    }

    /** The resource name the audit trail gives a delegation. */
    public String delegationOf(String zoneName) {
        return id + "/" + zoneName;
    }
}
