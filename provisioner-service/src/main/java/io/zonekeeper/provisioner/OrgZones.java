package io.zonekeeper.provisioner;

import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.audit.ResourceChange;
import io.zonekeeper.common.events.Org;
import io.zonekeeper.provisioner.aws.AccountPool;
import io.zonekeeper.provisioner.aws.AwsAccount;
import io.zonekeeper.provisioner.aws.DuplicateZonesException;
import io.zonekeeper.provisioner.aws.HostedZones;
import io.zonekeeper.provisioner.aws.ParentZone;
import io.zonekeeper.provisioner.aws.Zone;
import io.zonekeeper.provisioner.model.OrgNaming;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.route53.model.HostedZoneAlreadyExistsException;

/**
 * Invariant 8 in one place: which hosted zone is an organization's. Route53 allows several zones of one name, so the
 * name proves nothing; a zone is this organization's when its CallerReference or comment carries the organization's
 * owner mark ({@link OrgNaming#ownership}), and the parent delegates to it. A zone of the name marked by another
 * organization refuses the event ({@link ZoneOwnershipException}); one nobody marked is adopted only when the
 * installation allows it (migrations); a second zone of our own made by a lost response is deleted rather than
 * left billed. (`TenantSafetyTest`, `TenantSafetyPropertiesTest`, `OrgNamingTest`)
 */
final class OrgZones {

    private static final int MAX_GENERATION_SKIPS = 100;

    private final OrgNaming naming;
    private final AccountPool accounts;
    /** Whether a zone of the organization's name that Zonekeeper did not make may be taken over (migrations). */
    private final boolean adoptUnownedZones;
    private final Clock clock;

    OrgZones(OrgNaming naming, AccountPool accounts, boolean adoptUnownedZones, Clock clock) {
        this.naming = naming;
        this.accounts = accounts;
        this.adoptUnownedZones = adoptUnownedZones;
        this.clock = clock;
    }

    /**
     * The organization's zone, delegated: the account it is in, the zone, its generation, and when it was made (null:
     * unknown age).
     */
    record OwnedZone(AwsAccount account, Zone zone, int generation, Instant createdAt) {
    }

    /** A zone that serves the organization's name, and its account. */
    private record Serving(AwsAccount account, Zone zone) {
    }

    /**
     * The organization's zone, delegated from the parent: the one its state names, or one Route53 holds with this
     * organization's owner marks, or a new one; never another organization's, and one nobody marked only when
     * adopting is allowed.
     *
     * @param fresh   the state says nothing exists: the zone is created without a look first where Route53 refuses a
     *                second zone of the name
     * @param account the account the state names, or the one a new organization was placed in; a zone of the
     *                organization's found in another account (its state lost) is kept, and its account returned
     */
    OwnedZone ensure(Org org, String zoneName, Optional<OrgDnsState> previous, boolean fresh, AwsAccount account,
                     AuditTrail audit) {
        HostedZones zones = account.zones();
        // A look before the create is still needed where nothing would refuse a second zone of the name: outside
        // reusable delegation sets, and where an unowned zone of the name may be adopted. In a set Route53 refuses a
        // second zone of the name; a zone of it in another set of the pool, or made by hand outside them, goes
        // unnoticed unless the parent delegates to it (claimDelegation): one that serves the name is never
        // overridden; one that does not is left alone beside the organization's own.
        boolean lookFirst = !fresh || adoptUnownedZones || !zones.placesZonesInSets();
        int known = previous.map(OrgDnsState::getZoneGeneration).orElse(0);
        // A look in one account of a pool is a look everywhere only for a zone the state names (its delegation is
        // the organization's): otherwise another account may hold a zone of the name (a state lost, a name two
        // organizations share), and the parent's delegation says so when a CREATE of it is refused.
        boolean knownZone = previous.filter(s -> s.getZoneId() != null && (s.getStatus() == OrgDnsStatus.READY
                || s.getStatus() == OrgDnsStatus.DELETING)).isPresent();
        boolean lookedEverywhere = lookFirst && (!accounts.spreads() || knownZone);
        Optional<Zone> found = lookFirst ? zones.find(zoneName, previous.map(OrgDnsState::getZoneId).orElse(null),
                other -> naming.ownership(org.orgId(), other.callerReference(), other.comment())
                        == OrgNaming.Ownership.ANOTHER_ORGANIZATION) : Optional.empty();
        if (found.isEmpty()) {
            Created created = createZone(org, zones, zoneName, known + 1, known,
                    previous.map(OrgDnsState::getNameServers).orElse(List.of()));
            Zone zone = created.creation().zone();
            if (created.creation().madeNow()) {
                audit.record(AuditAction.CREATED, ResourceType.HOSTED_ZONE, zone.id(), null, Map.of("zoneName",
                        zoneName, "generation", Integer.toString(created.generation()), "account", account.label()));
                Serving serving = claimDelegation(org, account, zone, lookedEverywhere, audit);
                // Another zone of the organization's own may serve the name (a state lost): it stays, of unknown
                // age, and the generation just used stays used.
                return new OwnedZone(serving.account(), serving.zone(), created.generation(),
                        serving.zone().id().equals(zone.id()) ? clock.instant() : null);
            }
            // Route53 refused the create and this is the zone it has: an earlier attempt's, or another's.
            found = Optional.of(zone);
        }
        Zone zone = verifiedOwner(org, zones, found.get(), previous, audit);
        boolean sameZone = previous.isPresent() && zone.id().equals(previous.get().getZoneId());
        if (!sameZone && !lookedEverywhere && accounts.spreads()) {
            // Found in the one account looked in (an attempt that stopped before its delegation): the name may be
            // delegated to a zone in another account, so it is claimed as a new zone's is, never overridden.
            Serving serving = claimDelegation(org, account, zone, false, audit);
            return new OwnedZone(serving.account(), serving.zone(), Math.max(known, 1), null);
        }
        audit.record(accounts.parent().ensureDelegation(zone), ResourceType.ZONE_DELEGATION,
                accounts.parent().delegationOf(zoneName), null, Map.of("nameServers",
                        String.join(",", zone.nameServers())));
        // A zone found without our record of its creation time: unknown age, so the reaper treats it as old.
        return new OwnedZone(account, zone, Math.max(known, 1), sameZone ? previous.get().getZoneCreatedAt() : null);
    }

    /** What the create came to, and the generation whose CallerReference it was asked with. */
    private record Created(HostedZones.Creation creation, int generation) {
    }

    /**
     * Creates the zone at the first generation from {@code generation} whose CallerReference Route53 has not seen:
     * a reference that belonged to a zone of this organization since reaped (its state gone with it) is refused
     * forever, so the next one is tried. {@code previousNameServers}: the name's zone before, whose delegation set
     * it goes back into when there is room.
     */
    private Created createZone(Org org, HostedZones zones, String zoneName, int generation, int known,
                               List<String> previousNameServers) {
        while (true) {
            try {
                return new Created(zones.create(zoneName, naming.callerReference(org.orgId(), generation),
                        naming.zoneComment(org.orgId()), previousNameServers), generation);
            } catch (HostedZoneAlreadyExistsException usedBefore) {
                if (generation > MAX_GENERATION_SKIPS + known) {
                    throw usedBefore;
                }
                generation++;
            }
        }
    }

    /**
     * Delegates a zone created just now (or found in one account of a pool, not yet known as the organization's), and
     * returns the zone that serves the name. After a look everywhere the name could be, the look said which zone has
     * the name, so an UPSERT goes without reading the parent. Without one, a CREATE: Route53 refuses it when the
     * parent delegates the name already, to this zone (a lost response) or to another zone of the name that Route53
     * did not refuse a duplicate of: one in another delegation set or another account of the pool, or one outside
     * them. Only then is the name looked up, in every account of the pool, and this zone is deleted again (free
     * within its first 12 hours) if another zone has the name:
     * <ul>
     *   <li>the organization's own, from an attempt whose state was lost: it is kept, with its records, in its
     *       account;
     *   <li>another organization's: refused, as when Route53 refuses the duplicate within one set;
     *   <li>one nobody owns (made by hand): refused, so a zone that serves the name is never taken over.
     * </ul>
     * So nothing half-built stays, and one name is served by one organization's zone.
     */
    private Serving claimDelegation(Org org, AwsAccount account, Zone zone, boolean lookedEverywhere,
                                    AuditTrail audit) {
        ParentZone parent = accounts.parent();
        String resource = parent.delegationOf(zone.name());
        Map<String, String> details = Map.of("nameServers", String.join(",", zone.nameServers()));
        if (lookedEverywhere) {
            audit.record(parent.upsertDelegation(zone), ResourceType.ZONE_DELEGATION, resource, null, details);
            return new Serving(account, zone);
        }
        ResourceChange created = parent.createDelegation(zone);
        if (created == ResourceChange.UNCHANGED) {
            // The name was delegated already, elsewhere or to this zone: find out whether another zone has it.
            List<AccountPool.Located> others = accounts.zonesNamed(zone.name()).stream()
                    .filter(z -> !(z.account().equals(account) && z.zoneId().equals(zone.id()))).toList();
            if (others.size() > 1) {
                audit.record(account.zones().deleteZone(zone.id()), ResourceType.HOSTED_ZONE, zone.id(), "more zones"
                        + " of this name exist; the one just created is deleted again", Map.of("zoneName", zone.name()));
                throw new DuplicateZonesException(zone.name(), others.stream().map(AccountPool.Located::zoneId).toList());
            }
            if (others.size() == 1) {
                AwsAccount otherAccount = others.get(0).account();
                Zone other = otherAccount.zones().describe(others.get(0).zoneId());
                OrgNaming.Ownership owner = naming.ownership(org.orgId(), other.callerReference(), other.comment());
                String where = otherAccount.equals(account) ? "" : " in account " + otherAccount.label();
                String why = switch (owner) {
                    case THIS_ORGANIZATION -> "the organization's zone " + other.id() + where + " of an earlier"
                            + " attempt serves the name; " + zone.id() + " is deleted again";
                    case ANOTHER_ORGANIZATION -> "another organization's zone " + other.id() + where + " serves the"
                            + " name; " + zone.id() + " is deleted again";
                    case NOBODY -> "zone " + other.id() + where + ", made outside Zonekeeper, serves the name; "
                            + zone.id() + " is deleted again";
                };
                audit.record(account.zones().deleteZone(zone.id()), ResourceType.HOSTED_ZONE, zone.id(), why,
                        Map.of("zoneName", zone.name()));
                if (owner == OrgNaming.Ownership.THIS_ORGANIZATION) {
                    audit.record(parent.ensureDelegation(other), ResourceType.ZONE_DELEGATION, resource, null,
                            Map.of("nameServers", String.join(",", other.nameServers())));
                    return new Serving(otherAccount, other);
                }
                if (owner == OrgNaming.Ownership.ANOTHER_ORGANIZATION) {
                    throw new ZoneOwnershipException("zone " + zone.name() + " belongs to another organization ("
                            + other.id() + where + "): organization names must be unique within "
                            + naming.baseDomain() + "; nothing was kept for " + org.orgId());
                }
                throw new ZoneOwnershipException("zone " + zone.name() + " exists outside Zonekeeper's delegation"
                        + " sets and is delegated from the parent (" + other.id() + where + "): set"
                        + " ADOPT_UNOWNED_ZONES=true to adopt it, or delete it; nothing was kept for " + org.orgId());
            }
            created = parent.ensureDelegation(zone);
        }
        audit.record(created, ResourceType.ZONE_DELEGATION, resource, null, details);
        return new Serving(account, zone);
    }

    /**
     * The zone found for the organization's name, if it may use it (invariant 8: no organization adopts what
     * another owns, whatever names the events carry). Its own zone — by comment, CallerReference or the state's
     * zone id — is used as is; another organization's is refused; one nobody owns (made before Zonekeeper) is
     * adopted only when configuration allows, and then marked as the organization's so no other can take it.
     */
    private Zone verifiedOwner(Org org, HostedZones zones, Zone zone, Optional<OrgDnsState> previous,
                               AuditTrail audit) {
        boolean known = previous.isPresent() && zone.id().equals(previous.get().getZoneId());
        OrgNaming.Ownership owner = naming.ownership(org.orgId(), zone.callerReference(), zone.comment());
        if (owner == OrgNaming.Ownership.THIS_ORGANIZATION) {
            return zone;
        }
        if (owner == OrgNaming.Ownership.ANOTHER_ORGANIZATION) {
            throw new ZoneOwnershipException("zone " + zone.name() + " (" + zone.id() + ") belongs to another"
                    + " organization: organization names must be unique within " + naming.baseDomain()
                    + "; nothing was created for " + org.orgId());
        }
        if (!known && !adoptUnownedZones) {
            throw new ZoneOwnershipException("zone " + zone.name() + " (" + zone.id() + ") exists and was not made"
                    + " by Zonekeeper; set ADOPT_UNOWNED_ZONES=true to adopt such zones; nothing was created for "
                    + org.orgId());
        }
        Zone adopted = zones.markOwner(zone, naming.zoneComment(org.orgId()));
        audit.record(AuditAction.UPDATED, ResourceType.HOSTED_ZONE, zone.id(), "adopted: owner recorded in the"
                + " zone's comment", Map.of("zoneName", zone.name(), "previousComment", String.valueOf(zone.comment())));
        return adopted;
    }
}
