package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.audit.Change;
import io.zonekeeper.common.aws.AwsErrors;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.retry.TransientFailureException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.ConflictingDomainExistsException;
import software.amazon.awssdk.services.route53.model.HostedZone;
import software.amazon.awssdk.services.route53.model.HostedZoneAlreadyExistsException;
import software.amazon.awssdk.services.route53.model.InvalidChangeBatchException;
import software.amazon.awssdk.services.route53.model.ListHostedZonesByNameResponse;
import software.amazon.awssdk.services.route53.model.ListResourceRecordSetsResponse;
import software.amazon.awssdk.services.route53.model.NoSuchHostedZoneException;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;
import software.amazon.awssdk.services.route53.model.Tag;
import software.amazon.awssdk.services.route53.model.TagResourceType;
import software.amazon.awssdk.services.route53.model.TooManyHostedZonesException;

/**
 * Route53 hosted zones and their records. Every method reads before it writes and writes only the difference,
 * so a replay costs reads at most; every call goes through the shared retry helper.
 */
public final class HostedZones {

    /**
     * TTL of the parent's NS record for a zone: how long a resolver may keep sending queries to name servers that
     * no longer serve the zone, should they change (a zone re-created outside a reusable delegation set). One hour
     * bounds that outage; the cost is one parent query per resolver per hour and organization. Route53's default
     * for NS records, two days, would make it two days.
     */
    static final long DELEGATION_TTL_SECONDS = 3_600;

    private final Route53Client route53;
    private final Retry retry;
    /** The reusable delegation set new zones are created in; null when Route53 picks name servers per zone. */
    private final Supplier<String> delegationSetId;

    public HostedZones(Route53Client route53, Retry retry, Supplier<String> delegationSetId) {
        this.route53 = route53;
        this.retry = retry;
        this.delegationSetId = delegationSetId;
    }

    /** The zone with exactly this name, following every page; more than one is an error to report. */
    public Optional<Zone> find(String zoneName) {
        List<HostedZone> matches = new ArrayList<>();
        String nextName = zoneName;
        String nextId = null;
        while (true) {
            String name = nextName;
            String id = nextId;
            ListHostedZonesByNameResponse page = call("ListHostedZonesByName", () -> route53.listHostedZonesByName(r -> r
                    .dnsName(name).hostedZoneId(id).maxItems("100")));
            boolean passed = false;
            for (HostedZone zone : page.hostedZones()) {
                if (zone.name().equals(zoneName)) {
                    matches.add(zone);
                } else {
                    passed = true;
                }
            }
            if (passed || !Boolean.TRUE.equals(page.isTruncated())) {
                break;
            }
            nextName = page.nextDNSName();
            nextId = page.nextHostedZoneId();
        }
        if (matches.size() > 1) {
            throw new DuplicateZonesException(zoneName, matches.stream().map(z -> bareId(z.id())).toList());
        }
        return matches.isEmpty() ? Optional.empty() : Optional.of(describe(bareId(matches.get(0).id())));
    }

    /**
     * Creates the zone. When a create may have been applied although its response was lost (a 5xx or an I/O
     * error), the next attempt looks for the zone before creating again; only throttling, which AWS applies
     * before doing anything, is retried blindly. A CallerReference already used means an earlier attempt
     * succeeded: the zone is looked up instead. Either way a lost response never makes a second zone.
     */
    public Zone create(String zoneName, String callerReference, String comment, Map<String, String> tags) {
        // The caller has just looked and found nothing; look again only after an attempt with an unknown outcome.
        boolean[] mayExist = {false};
        String setId = delegationSetId.get();
        Zone zone = retry.call("route53 create zone " + zoneName, AwsErrors::isRetryable, () -> {
            if (mayExist[0]) {
                Optional<Zone> existing = find(zoneName);
                if (existing.isPresent()) {
                    return existing.get();
                }
            }
            mayExist[0] = true;
            try {
                var created = retry.call("route53 CreateHostedZone", AwsErrors::isThrottling,
                        () -> route53.createHostedZone(r -> r.name(zoneName).callerReference(callerReference)
                                .delegationSetId(setId)
                                .hostedZoneConfig(c -> c.comment(comment).privateZone(false))));
                return new Zone(bareId(created.hostedZone().id()), created.hostedZone().name(),
                        created.delegationSet() == null ? List.of() : created.delegationSet().nameServers(),
                        callerReference, comment);
            } catch (HostedZoneAlreadyExistsException e) {
                return find(zoneName).orElseThrow(() -> e);
            } catch (ConflictingDomainExistsException e) {
                // A zone of this name was created in the delegation set between our look and our create: by
                // another organization of the same name, racing us. Return it; the caller verifies its owner.
                return find(zoneName).orElseThrow(() -> new TransientFailureException(
                        "route53 create zone " + zoneName + " (a conflicting zone came and went)", 1, e));
            } catch (TooManyHostedZonesException e) {
                throw new ZoneQuotaException(zoneName, setId, e);
            }
        });
        call("ChangeTagsForResource", () -> route53.changeTagsForResource(r -> r.resourceType(TagResourceType.HOSTEDZONE)
                .resourceId(zone.id())
                .addTags(tags.entrySet().stream().map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build())
                        .toList())));
        return zone;
    }

    public Zone describe(String zoneId) {
        var response = call("GetHostedZone", () -> route53.getHostedZone(r -> r.id(zoneId)));
        List<String> nameServers = response.delegationSet() == null ? List.of() : response.delegationSet().nameServers();
        HostedZone zone = response.hostedZone();
        return new Zone(zoneId, zone.name(), nameServers, zone.callerReference(),
                zone.config() == null ? null : zone.config().comment());
    }

    /**
     * Records the owner of a zone Zonekeeper did not create (an adopted one) in its comment, where every later
     * lookup reads it at no extra cost. Returns the zone as it now is.
     */
    public Zone markOwner(Zone zone, String comment) {
        call("UpdateHostedZoneComment", () -> route53.updateHostedZoneComment(r -> r.id(zone.id()).comment(comment)));
        return new Zone(zone.id(), zone.name(), zone.nameServers(), zone.callerReference(), comment);
    }

    /** Makes the parent zone delegate {@code zone} to its name servers; no write when it already does. */
    public Change ensureDelegation(String parentZoneId, Zone zone) {
        Optional<ResourceRecordSet> current = delegation(parentZoneId, zone.name());
        List<String> wanted = zone.nameServers().stream().map(HostedZones::withDot).sorted().toList();
        if (current.isPresent() && current.get().resourceRecords().stream().map(r -> withDot(r.value())).sorted()
                .toList().equals(wanted) && Long.valueOf(DELEGATION_TTL_SECONDS).equals(current.get().ttl())) {
            return Change.UNCHANGED;
        }
        ResourceRecordSet ns = ResourceRecordSet.builder().name(zone.name()).type(RRType.NS).ttl(DELEGATION_TTL_SECONDS)
                .resourceRecords(wanted.stream().map(v -> ResourceRecord.builder().value(v).build()).toList()).build();
        change(parentZoneId, List.of(software.amazon.awssdk.services.route53.model.Change.builder().action(ChangeAction.UPSERT).resourceRecordSet(ns).build()));
        return Change.UPDATED;
    }

    /** Removes the parent zone's delegation of {@code zoneName}; UNCHANGED when there was none. */
    public Change removeDelegation(String parentZoneId, String zoneName) {
        Optional<ResourceRecordSet> current = delegation(parentZoneId, zoneName);
        if (current.isEmpty()) {
            return Change.UNCHANGED;
        }
        try {
            change(parentZoneId, List.of(software.amazon.awssdk.services.route53.model.Change.builder().action(ChangeAction.DELETE)
                    .resourceRecordSet(current.get()).build()));
        } catch (InvalidChangeBatchException e) {
            // Deleted concurrently between our read and write: the goal is reached.
            return Change.UNCHANGED;
        }
        return Change.DELETED;
    }

    private Optional<ResourceRecordSet> delegation(String parentZoneId, String zoneName) {
        var page = call("ListResourceRecordSets", () -> route53.listResourceRecordSets(r -> r.hostedZoneId(parentZoneId)
                .startRecordName(zoneName).startRecordType(RRType.NS).maxItems("1")));
        return page.resourceRecordSets().stream()
                .filter(set -> set.type() == RRType.NS && withDot(set.name()).equals(withDot(zoneName)))
                .findFirst();
    }

    /** Every record set of the zone, all pages. */
    public List<ResourceRecordSet> records(String zoneId) {
        List<ResourceRecordSet> all = new ArrayList<>();
        String nextName = null;
        RRType nextType = null;
        String nextIdentifier = null;
        while (true) {
            String name = nextName;
            RRType type = nextType;
            String identifier = nextIdentifier;
            ListResourceRecordSetsResponse page = call("ListResourceRecordSets", () -> route53.listResourceRecordSets(r -> r
                    .hostedZoneId(zoneId).startRecordName(name).startRecordType(type)
                    .startRecordIdentifier(identifier).maxItems("300")));
            all.addAll(page.resourceRecordSets());
            if (!Boolean.TRUE.equals(page.isTruncated())) {
                return all;
            }
            nextName = page.nextRecordName();
            nextType = page.nextRecordType();
            nextIdentifier = page.nextRecordIdentifier();
        }
    }

    /** Deletes the given record sets in batches within Route53's limits; returns how many were deleted. */
    public int delete(String zoneId, List<ResourceRecordSet> sets) {
        List<software.amazon.awssdk.services.route53.model.Change> deletions = sets.stream()
                .map(set -> software.amazon.awssdk.services.route53.model.Change.builder().action(ChangeAction.DELETE).resourceRecordSet(set).build()).toList();
        ChangeBatches.of(deletions).forEach(batch -> change(zoneId, batch));
        return sets.size();
    }

    /** Deletes the zone; UNCHANGED when it was already gone. */
    public Change deleteZone(String zoneId) {
        try {
            call("DeleteHostedZone", () -> route53.deleteHostedZone(r -> r.id(zoneId)));
            return Change.DELETED;
        } catch (NoSuchHostedZoneException e) {
            return Change.UNCHANGED;
        }
    }

    private void change(String zoneId, List<software.amazon.awssdk.services.route53.model.Change> changes) {
        call("ChangeResourceRecordSets", () -> route53.changeResourceRecordSets(r -> r.hostedZoneId(zoneId)
                .changeBatch(b -> b.changes(changes).comment("Zonekeeper"))));
    }

    private <T> T call(String operation, Supplier<T> request) {
        return retry.call("route53 " + operation, AwsErrors::isRetryable, request::get);
    }

    static String bareId(String id) {
        return id.startsWith("/hostedzone/") ? id.substring("/hostedzone/".length()) : id;
    }

    static String withDot(String name) {
        return name.endsWith(".") ? name : name + ".";
    }
}
