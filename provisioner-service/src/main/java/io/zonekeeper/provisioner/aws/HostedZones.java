package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.audit.ResourceChange;
import io.zonekeeper.common.aws.AwsErrors;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.retry.TransientFailureException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.Change;
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
    /** The reusable delegation sets new zones are created in (none: Route53 picks name servers per zone). */
    private final DelegationSetPool delegationSets;
    /** The parent zone's delegation changes, coalesced across organizations (one parent per installation). */
    private final Map<String, CoalescedChanges> parentChanges = new ConcurrentHashMap<>();

    public HostedZones(Route53Client route53, Retry retry, DelegationSetPool delegationSets) {
        this.route53 = route53;
        this.retry = retry;
        this.delegationSets = delegationSets;
    }

    /** The zone with exactly this name, following every page; more than one is an error to report. */
    public Optional<Zone> find(String zoneName) {
        return find(zoneName, null, zone -> false);
    }

    /**
     * The zone with exactly this name. Of several, the one with id {@code ownZoneId} (the organization's state
     * names it) when it is among them and none of the others is {@code foreign} (another organization's, by the
     * owner its listing shows): a zone of the name made by hand outside the delegation sets is left alone, not
     * adopted, and does not stop the organization's own, while another organization's of the name (possible across
     * the sets of a pool) is not overridden. Otherwise more than one is an error to report.
     */
    public Optional<Zone> find(String zoneName, String ownZoneId, Predicate<Zone> foreign) {
        List<HostedZone> matches = named(zoneName);
        if (matches.size() > 1 && ownZoneId != null) {
            Optional<HostedZone> own = matches.stream().filter(z -> bareId(z.id()).equals(ownZoneId)).findFirst();
            boolean anotherOwner = matches.stream().filter(z -> !bareId(z.id()).equals(ownZoneId))
                    .anyMatch(z -> foreign.test(new Zone(bareId(z.id()), z.name(), List.of(), z.callerReference(),
                            z.config() == null ? null : z.config().comment())));
            if (own.isPresent() && !anotherOwner) {
                return Optional.of(describe(ownZoneId));
            }
        }
        if (matches.size() > 1) {
            throw new DuplicateZonesException(zoneName, matches.stream().map(z -> bareId(z.id())).toList());
        }
        return matches.isEmpty() ? Optional.empty() : Optional.of(describe(bareId(matches.get(0).id())));
    }

    /** The ids of every zone of exactly this name, following every page. */
    public List<String> zoneIdsNamed(String zoneName) {
        return named(zoneName).stream().map(z -> bareId(z.id())).toList();
    }

    private List<HostedZone> named(String zoneName) {
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
        return matches;
    }

    /**
     * Creates the zone, in the delegation set the pool picks ({@code previousNameServers}: the name's zone before
     * it was reaped, whose set it goes back into when there is room). When a create may have been applied although
     * its response was lost (a 5xx or an I/O error), the next attempt looks for the zone before creating again; only
     * throttling, which AWS applies before doing anything, is retried blindly. A CallerReference already used means
     * an earlier attempt succeeded: the zone is looked up instead. Either way a lost response never makes a second
     * zone. A set that is full goes on to the next.
     */
    public Creation create(String zoneName, String callerReference, String comment, List<String> previousNameServers) {
        // The caller has looked and found nothing, or knows nothing exists; look only after an unknown outcome.
        boolean[] mayExist = {false};
        String setId = delegationSets.forNewZone(zoneName, previousNameServers);
        while (true) {
            // The pool counted a place in the set for this zone; it is given back unless a zone took it.
            boolean placeTaken = false;
            try {
                Creation creation = createIn(setId, zoneName, callerReference, comment, mayExist);
                placeTaken = creation.madeNow();
                return creation;
            } catch (TooManyHostedZonesException full) {
                if (setId == null) {
                    throw new ZoneQuotaException(zoneName, "Route53 refused it (TooManyHostedZones): the account's"
                            + " quota of hosted zones is reached", full);
                }
                placeTaken = true; // the set is read again, which replaces its count
                setId = delegationSets.refused(zoneName, setId);
            } finally {
                if (!placeTaken && setId != null) {
                    delegationSets.released(setId);
                }
            }
        }
    }

    private Creation createIn(String setId, String zoneName, String callerReference, String comment,
                              boolean[] mayExist) {
        return retry.call("route53 create zone " + zoneName, AwsErrors::isRetryable, () -> {
            if (mayExist[0]) {
                Optional<Zone> existing = find(zoneName);
                if (existing.isPresent()) {
                    return new Creation(existing.get(), false);
                }
            }
            mayExist[0] = true;
            try {
                var created = retry.call("route53 CreateHostedZone", AwsErrors::isThrottling,
                        () -> route53.createHostedZone(r -> r.name(zoneName).callerReference(callerReference)
                                .delegationSetId(setId)
                                .hostedZoneConfig(c -> c.comment(comment).privateZone(false))));
                return new Creation(new Zone(bareId(created.hostedZone().id()), created.hostedZone().name(),
                        created.delegationSet() == null ? List.of() : created.delegationSet().nameServers(),
                        callerReference, comment), true);
            } catch (HostedZoneAlreadyExistsException e) {
                return new Creation(find(zoneName).orElseThrow(() -> e), false);
            } catch (ConflictingDomainExistsException e) {
                // A zone of this name is in the delegation set already: another organization's of the same name,
                // or this one's from an attempt whose state was not kept. Return it; the caller verifies its owner.
                return new Creation(find(zoneName).orElseThrow(() -> new TransientFailureException(
                        "route53 create zone " + zoneName + " (a conflicting zone came and went)", 1, e)), false);
            } catch (TooManyHostedZonesException full) {
                // Nothing was made, so the next set's create needs no look first.
                mayExist[0] = false;
                throw full;
            }
        });
    }

    /**
     * What a create came to: the zone, and whether this call made it (its response arrived). A zone found instead
     * (an earlier attempt's, or one the name already had) is of unknown age and owner, to verify like a look's.
     */
    public record Creation(Zone zone, boolean madeNow) {
    }

    /**
     * Whether new zones go into reusable delegation sets, where a second zone of a name is refused within a set
     * (ConflictingDomainExists) and the parent's delegation decides across sets. Outside one, zones of one name
     * may coexist, so only a look finds one.
     */
    public boolean placesZonesInSets() {
        return delegationSets.placesZonesInSets();
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
    public ResourceChange ensureDelegation(String parentZoneId, Zone zone) {
        Optional<ResourceRecordSet> current = delegation(parentZoneId, zone.name());
        if (current.isPresent() && current.get().resourceRecords().stream().map(r -> withDot(r.value())).sorted()
                .toList().equals(delegationSet(zone).resourceRecords().stream().map(ResourceRecord::value).toList())
                && Long.valueOf(DELEGATION_TTL_SECONDS).equals(current.get().ttl())) {
            return ResourceChange.UNCHANGED;
        }
        return upsertDelegation(parentZoneId, zone);
    }

    /** Writes the delegation without reading the parent first (an UPSERT replaces what is there); UPDATED. */
    public ResourceChange upsertDelegation(String parentZoneId, Zone zone) {
        changeParent(parentZoneId, nsChange(ChangeAction.UPSERT, zone));
        return ResourceChange.UPDATED;
    }

    /**
     * Creates the delegation without reading the parent first: CREATED, or UNCHANGED when the parent delegates the
     * name already (to this zone or to other name servers; Route53 refuses a CREATE of a record set that exists, and
     * then the caller decides).
     */
    public ResourceChange createDelegation(String parentZoneId, Zone zone) {
        try {
            changeParent(parentZoneId, nsChange(ChangeAction.CREATE, zone));
            return ResourceChange.CREATED;
        } catch (InvalidChangeBatchException exists) {
            return ResourceChange.UNCHANGED;
        }
    }

    private static Change nsChange(ChangeAction action, Zone zone) {
        return Change.builder().action(action)
                .resourceRecordSet(delegationSet(zone)).build();
    }

    /** The parent's NS record set that delegates {@code zone}: its name servers, sorted, with the delegation TTL. */
    private static ResourceRecordSet delegationSet(Zone zone) {
        return ResourceRecordSet.builder().name(zone.name()).type(RRType.NS).ttl(DELEGATION_TTL_SECONDS)
                .resourceRecords(zone.nameServers().stream().map(HostedZones::withDot).sorted()
                        .map(v -> ResourceRecord.builder().value(v).build()).toList())
                .build();
    }

    /** Removes the parent zone's delegation of {@code zoneName}; UNCHANGED when there was none. */
    public ResourceChange removeDelegation(String parentZoneId, String zoneName) {
        Optional<ResourceRecordSet> current = delegation(parentZoneId, zoneName);
        if (current.isEmpty()) {
            return ResourceChange.UNCHANGED;
        }
        try {
            changeParent(parentZoneId, Change.builder()
                    .action(ChangeAction.DELETE).resourceRecordSet(current.get()).build());
        } catch (InvalidChangeBatchException e) {
            // Deleted concurrently between our read and write: the goal is reached.
            return ResourceChange.UNCHANGED;
        }
        return ResourceChange.DELETED;
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
        List<Change> deletions = sets.stream()
                .map(set -> Change.builder().action(ChangeAction.DELETE).resourceRecordSet(set).build()).toList();
        ChangeBatches.of(deletions).forEach(batch -> change(zoneId, batch));
        return sets.size();
    }

    /** Deletes the zone; UNCHANGED when it was already gone. */
    public ResourceChange deleteZone(String zoneId) {
        try {
            call("DeleteHostedZone", () -> route53.deleteHostedZone(r -> r.id(zoneId)));
            return ResourceChange.DELETED;
        } catch (NoSuchHostedZoneException e) {
            return ResourceChange.UNCHANGED;
        }
    }

    /** A change to the parent zone, coalesced with other organizations' waiting at the same time. */
    private void changeParent(String parentZoneId, Change change) {
        parentChanges.computeIfAbsent(parentZoneId, id -> new CoalescedChanges(batch -> change(id, batch)))
                .apply(change);
    }

    private void change(String zoneId, List<Change> changes) {
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
