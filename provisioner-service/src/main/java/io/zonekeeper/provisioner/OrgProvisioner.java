package io.zonekeeper.provisioner;

import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.audit.ResourceChange;
import io.zonekeeper.common.aws.AwsErrors;
import io.zonekeeper.common.events.Org;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.provisioner.aws.AccountQuotas;
import io.zonekeeper.provisioner.aws.DuplicateZonesException;
import io.zonekeeper.provisioner.aws.HostedZones;
import io.zonekeeper.provisioner.aws.IamUsers;
import io.zonekeeper.provisioner.aws.ManagedPolicies;
import io.zonekeeper.provisioner.aws.Zone;
import io.zonekeeper.provisioner.model.ClusterRoster;
import io.zonekeeper.provisioner.model.OrgNaming;
import io.zonekeeper.provisioner.model.ZonePolicyDocument;
import io.zonekeeper.provisioner.vault.AccessKeyVault;
import io.zonekeeper.provisioner.vault.StoredKey;
import io.zonekeeper.schemas.AuditAction;
import io.zonekeeper.schemas.OrgCluster;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import io.zonekeeper.schemas.ResourceType;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.route53.model.HostedZoneAlreadyExistsException;

/**
 * Brings one organization's zone, delegation, IAM policy, user and access key to the desired state and returns
 * the resulting {@link OrgDnsState}. Idempotent and assumes nothing: each step reads what exists, acts only on the
 * difference, and a crash between steps is repaired by running it again.
 */
final class OrgProvisioner {

    /**
     * The organization's state, and the user's keys other than the current one: still valid, and kept until no
     * running cluster uses them ({@link #retireKeys}), so a cluster the new key has not reached yet keeps working.
     */
    record Provisioned(OrgDnsState state, List<String> staleKeys) {
    }

    private static final int MAX_GENERATION_SKIPS = 100;

    private final OrgNaming naming;
    private final String parentZoneId;
    private final HostedZones zones;
    private final ManagedPolicies managedPolicies;
    private final IamUsers users;
    private final AccessKeyVault vault;
    private final AccountQuotas quotas;
    private final Retry retry;
    private final Clock clock;
    /** Whether a zone of the organization's name that Zonekeeper did not make may be taken over (migrations). */
    private final boolean adoptUnownedZones;

    OrgProvisioner(OrgNaming naming, String parentZoneId, HostedZones zones, ManagedPolicies managedPolicies,
                   IamUsers users, AccessKeyVault vault, AccountQuotas quotas, Retry retry, Clock clock,
                   boolean adoptUnownedZones) {
        this.adoptUnownedZones = adoptUnownedZones;
        this.naming = naming;
        this.parentZoneId = parentZoneId;
        this.zones = zones;
        this.managedPolicies = managedPolicies;
        this.users = users;
        this.vault = vault;
        this.quotas = quotas;
        this.retry = retry;
        this.clock = clock;
    }

    String baseDomain() {
        return naming.baseDomain();
    }

    String zoneName(Org org) {
        return naming.zoneName(org.orgName());
    }

    /** True when the state says everything exists for this name: a new cluster then needs no AWS call. */
    boolean isReady(Optional<OrgDnsState> state, Org org) {
        return state.isPresent() && state.get().getStatus() == OrgDnsStatus.READY
                && state.get().getZoneName().equals(naming.zoneName(org.orgName()))
                && state.get().getZoneId() != null && state.get().getAccessKeyId() != null;
    }

    Provisioned ensure(Org org, Optional<OrgDnsState> previous, AuditTrail audit) {
        String zoneName = naming.zoneName(org.orgName());
        // The state says nothing exists (none, reaped, or refused before anything was made): then each resource is
        // created without a look first, and what already exists after all (a state lost, a response lost) is told
        // by the create's refusal, at no extra call.
        boolean fresh = previous.isEmpty() || previous.get().getStatus() == OrgDnsStatus.DELETED
                || (previous.get().getStatus() == OrgDnsStatus.FAILED && previous.get().getZoneId() == null);
        if (fresh) {
            // Before anything is made: an organization the account has no room for is refused whole.
            quotas.claimRoomForNewOrganization(org.orgId(), zoneName);
        }
        OwnedZone owned = ensureZone(org, zoneName, previous, fresh, audit);
        Zone zone = owned.zone();

        String path = naming.iamPath(org.orgId());
        String userName = naming.iamUserName(org.orgId(), org.orgName());
        Map<String, String> userTags = Map.of("managed-by", "zonekeeper", "zonekeeper/org-id", org.orgId(),
                "zonekeeper/zone", zoneName);
        ResourceChange user = fresh ? users.createUser(path, userName, userTags) : users.ensureUser(path, userName, userTags);
        audit.record(user, ResourceType.IAM_USER, userName, null, Map.of());
        boolean newUser = user == ResourceChange.CREATED;
        String document = ZonePolicyDocument.forZone(zone.id());
        // IAM is eventually consistent: a user created a moment ago may not be visible to the next call yet.
        // A user created just now has no policies and no keys: no need to read them (IAM calls are a budget).
        ResourceChange policy = retry.call("iam zone policy", e -> AwsErrors.isRetryable(e) || e instanceof NoSuchEntityException,
                () -> {
                    if (newUser) {
                        users.putPolicy(userName, OrgNaming.ZONE_POLICY_NAME, document);
                        return ResourceChange.CREATED;
                    }
                    return users.ensurePolicy(userName, OrgNaming.ZONE_POLICY_NAME, document);
                });
        audit.record(policy, ResourceType.IAM_POLICY, userName + "/" + OrgNaming.ZONE_POLICY_NAME,
                policy == ResourceChange.UPDATED ? "the inline policy granted something else (another zone, or a grant"
                        + " widened by hand); replaced" : null, Map.of("zoneId", zone.id()));
        if (!newUser) {
            removeManagedPolicies(userName, path, previous, audit);
        }

        String credentialsPath = naming.credentialsPath(org.orgId());
        List<OrgCluster> roster = previous.map(OrgDnsState::getClusters).orElse(List.of());
        AccessKeys keys = ensureAccessKey(userName, credentialsPath, newUser, roster, audit);

        return new Provisioned(OrgDnsState.newBuilder()
                .setOrgId(org.orgId())
                .setOrgName(org.orgName())
                .setBaseDomain(naming.baseDomain())
                .setStatus(OrgDnsStatus.READY)
                .setStatusReason(null)
                .setZoneName(zoneName)
                .setZoneId(zone.id())
                .setZoneGeneration(owned.generation())
                .setZoneCreatedAt(owned.createdAt())
                .setNameServers(zone.nameServers())
                .setPolicyArn(null)
                .setIamUserName(userName)
                .setAccessKeyId(keys.current())
                .setCredentialsVaultPath(credentialsPath)
                .setClusters(roster)
                .setLastLifecyclePartition(previous.map(OrgDnsState::getLastLifecyclePartition).orElse(null))
                .setLastLifecycleOffset(previous.map(OrgDnsState::getLastLifecycleOffset).orElse(null))
                .setLastLifecycleTopic(previous.map(OrgDnsState::getLastLifecycleTopic).orElse(null))
                .setLastEventId(null)
                .setUpdatedAt(clock.instant())
                .build(), keys.stale());
    }

    /** The organization's zone, delegated: the zone, its generation, and when it was made (null: unknown age). */
    private record OwnedZone(Zone zone, int generation, Instant createdAt) {
    }

    private OwnedZone ensureZone(Org org, String zoneName, Optional<OrgDnsState> previous, boolean fresh,
                                 AuditTrail audit) {
        // A look before the create is still needed where nothing would refuse a second zone of the name: outside
        // reusable delegation sets, and where an unowned zone of the name may be adopted. In a set Route53 refuses a
        // second zone of the name; a zone of it in another set of the pool, or made by hand outside them, goes
        // unnoticed unless the parent delegates to it (delegateNewZone): one that serves the name is never
        // overridden; one that does not is left alone beside the organization's own.
        boolean lookFirst = !fresh || adoptUnownedZones || !zones.placesZonesInSets();
        int known = previous.map(OrgDnsState::getZoneGeneration).orElse(0);
        Optional<Zone> found = lookFirst ? zones.find(zoneName, previous.map(OrgDnsState::getZoneId).orElse(null),
                other -> naming.ownership(org.orgId(), other.callerReference(), other.comment())
                        == OrgNaming.Ownership.ANOTHER_ORGANIZATION) : Optional.empty();
        if (found.isEmpty()) {
            Created created = createZone(org, zoneName, known + 1, known,
                    previous.map(OrgDnsState::getNameServers).orElse(List.of()));
            Zone zone = created.creation().zone();
            if (created.creation().madeNow()) {
                audit.record(AuditAction.CREATED, ResourceType.HOSTED_ZONE, zone.id(), null,
                        Map.of("zoneName", zoneName, "generation", Integer.toString(created.generation())));
                Zone serving = delegateNewZone(org, zone, lookFirst, audit);
                // Another zone of the organization's own may serve the name (a state lost): it stays, of unknown
                // age, and the generation just used stays used.
                return new OwnedZone(serving, created.generation(),
                        serving.id().equals(zone.id()) ? clock.instant() : null);
            }
            // Route53 refused the create and this is the zone it has: an earlier attempt's, or another's.
            found = Optional.of(zone);
        }
        Zone zone = verifiedOwner(org, found.get(), previous, audit);
        boolean sameZone = previous.isPresent() && zone.id().equals(previous.get().getZoneId());
        audit.record(zones.ensureDelegation(parentZoneId, zone), ResourceType.ZONE_DELEGATION,
                parentZoneId + "/" + zoneName, null, Map.of("nameServers", String.join(",", zone.nameServers())));
        // A zone found without our record of its creation time: unknown age, so the reaper treats it as old.
        return new OwnedZone(zone, Math.max(known, 1), sameZone ? previous.get().getZoneCreatedAt() : null);
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
    private Created createZone(Org org, String zoneName, int generation, int known, List<String> previousNameServers) {
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
     * Delegates a zone created just now, and returns the zone that serves the name. After a look, the look said
     * which zone has the name, so an UPSERT goes without reading the parent. Without one, a CREATE: Route53 refuses
     * it when the parent delegates the name already, to this zone (a lost response) or to another zone of the name
     * that Route53 did not refuse a duplicate of: one in another delegation set of the pool, or one outside them.
     * Only then is the name looked up, and the zone just made is deleted again (free within its first 12 hours) if
     * another zone has the name:
     * <ul>
     *   <li>the organization's own, from an attempt whose state was lost: it is kept, with its records;
     *   <li>another organization's: refused, as when Route53 refuses the duplicate within one set;
     *   <li>one nobody owns (made by hand): refused unless ADOPT_UNOWNED_ZONES, so a zone that serves the name is
     *       never taken over.
     * </ul>
     * So nothing half-built stays, and one name is served by one organization's zone.
     */
    private Zone delegateNewZone(Org org, Zone zone, boolean looked, AuditTrail audit) {
        String resource = parentZoneId + "/" + zone.name();
        Map<String, String> details = Map.of("nameServers", String.join(",", zone.nameServers()));
        if (looked) {
            audit.record(zones.upsertDelegation(parentZoneId, zone), ResourceType.ZONE_DELEGATION, resource, null,
                    details);
            return zone;
        }
        ResourceChange created = zones.createDelegation(parentZoneId, zone);
        if (created == ResourceChange.UNCHANGED) {
            // The name was delegated already, elsewhere or to this zone: find out whether another zone has it.
            try {
                zones.find(zone.name());
            } catch (DuplicateZonesException twoZones) {
                if (twoZones.zoneIds().size() > 2) {
                    audit.record(zones.deleteZone(zone.id()), ResourceType.HOSTED_ZONE, zone.id(), "more zones of"
                            + " this name exist; the one just created is deleted again", Map.of("zoneName", zone.name()));
                    throw twoZones;
                }
                Zone other = zones.describe(twoZones.zoneIds().stream().filter(id -> !id.equals(zone.id()))
                        .findFirst().orElseThrow());
                OrgNaming.Ownership owner = naming.ownership(org.orgId(), other.callerReference(), other.comment());
                String why = switch (owner) {
                    case THIS_ORGANIZATION -> "the organization's zone " + other.id() + " of an earlier attempt"
                            + " serves the name; the one just created is deleted again";
                    case ANOTHER_ORGANIZATION -> "another organization's zone " + other.id() + " serves the name;"
                            + " the one just created is deleted again";
                    case NOBODY -> "zone " + other.id() + ", made outside Zonekeeper, serves the name; the one just"
                            + " created is deleted again";
                };
                audit.record(zones.deleteZone(zone.id()), ResourceType.HOSTED_ZONE, zone.id(), why,
                        Map.of("zoneName", zone.name()));
                if (owner == OrgNaming.Ownership.THIS_ORGANIZATION) {
                    audit.record(zones.ensureDelegation(parentZoneId, other), ResourceType.ZONE_DELEGATION, resource,
                            null, Map.of("nameServers", String.join(",", other.nameServers())));
                    return other;
                }
                if (owner == OrgNaming.Ownership.ANOTHER_ORGANIZATION) {
                    throw new ZoneOwnershipException("zone " + zone.name() + " belongs to another organization ("
                            + String.join(", ", twoZones.zoneIds()) + "): organization names must be unique within "
                            + naming.baseDomain() + "; nothing was kept for " + org.orgId());
                }
                throw new ZoneOwnershipException("zone " + zone.name() + " exists outside Zonekeeper's delegation"
                        + " sets and is delegated from the parent (" + String.join(", ", twoZones.zoneIds()) + "):"
                        + " set ADOPT_UNOWNED_ZONES=true to adopt it, or delete it; nothing was kept for "
                        + org.orgId());
            }
            created = zones.ensureDelegation(parentZoneId, zone);
        }
        audit.record(created, ResourceType.ZONE_DELEGATION, resource, null, details);
        return zone;
    }

    /**
     * Moves an organization from the customer-managed policy of older releases to the inline one, which the caller
     * has just written, so the user is never without a grant: detaches and deletes the managed policy at the
     * organization's path, and one the state names that a crash left detached. Costs one listing once migrated.
     */
    private void removeManagedPolicies(String userName, String path, Optional<OrgDnsState> previous, AuditTrail audit) {
        Set<String> legacy = new LinkedHashSet<>();
        previous.map(OrgDnsState::getPolicyArn).ifPresent(legacy::add);
        for (String arn : users.attachedPolicyArns(userName)) {
            if (ManagedPolicies.madeAt(arn, path)) {
                audit.record(users.detach(userName, arn), ResourceType.IAM_USER, userName, "managed policy detached:"
                        + " the inline policy replaces it", Map.of("policyArn", arn));
                legacy.add(arn);
            }
        }
        for (String arn : legacy) {
            audit.record(managedPolicies.delete(arn), ResourceType.IAM_POLICY, arn, "replaced by the user's inline"
                    + " policy", Map.of());
        }
    }

    /**
     * Deletes the stale keys no running cluster of {@code roster} still uses; one that a cluster the new key could
     * not reach still uses stays, and goes at a later change or reconcile once that cluster has moved.
     */
    void retireKeys(OrgDnsState state, List<String> staleKeys, List<OrgCluster> roster, AuditTrail audit) {
        List<String> inUse = ClusterRoster.keysInUse(roster, state.getAccessKeyId());
        for (String stale : staleKeys) {
            if (inUse.contains(stale)) {
                continue;
            }
            users.deleteAccessKey(state.getIamUserName(), stale);
            audit.record(AuditAction.DELETED, ResourceType.ACCESS_KEY, stale, "replaced by " + state.getAccessKeyId()
                    + "; no running cluster uses it", Map.of());
        }
    }

    /**
     * The zone found for the organization's name, if it may use it (invariant 8: no organization adopts what
     * another owns, whatever names the events carry). Its own zone — by comment, CallerReference or the state's
     * zone id — is used as is; another organization's is refused; one nobody owns (made before Zonekeeper) is
     * adopted only when configuration allows, and then marked as the organization's so no other can take it.
     */
    private Zone verifiedOwner(Org org, Zone zone, Optional<OrgDnsState> previous, AuditTrail audit) {
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

    /** The user's key to use, and its other keys. */
    private record AccessKeys(String current, List<String> stale) {
    }

    /**
     * Reuses the key in Vault while IAM still lists it; otherwise creates one and stores it with check-and-set.
     * Stale keys are only returned here: they are deleted after the new key reached the running clusters, so
     * there is never a moment when a cluster holds no valid key. When both of IAM's two slots are taken, one
     * stale key must go first: one no running cluster uses, if there is one.
     */
    private AccessKeys ensureAccessKey(String userName, String path, boolean newUser, List<OrgCluster> roster,
                                       AuditTrail audit) {
        Optional<StoredKey> stored = vault.read(path);
        List<String> listed = newUser ? List.of() : users.accessKeyIds(userName);
        if (stored.isPresent() && listed.contains(stored.get().accessKeyId())) {
            String current = stored.get().accessKeyId();
            return new AccessKeys(current, listed.stream().filter(id -> !id.equals(current)).toList());
        }
        List<String> stale = new ArrayList<>(listed);
        if (stale.size() >= 2) {
            List<String> inUse = ClusterRoster.keysInUse(roster, null);
            String first = stale.stream().filter(id -> !inUse.contains(id)).findFirst().orElse(stale.get(0));
            stale.remove(first);
            users.deleteAccessKey(userName, first);
            audit.record(AuditAction.DELETED, ResourceType.ACCESS_KEY, first, "stale key, not in Vault", Map.of());
        }
        int expectedVersion = vault.currentVersion(path);
        IamUsers.NewKey key = users.createAccessKey(userName);
        audit.record(AuditAction.CREATED, ResourceType.ACCESS_KEY, key.accessKeyId(), null, Map.of("user", userName));
        try {
            int version = vault.write(path, key.accessKeyId(), key.secretAccessKey(), expectedVersion);
            audit.record(AuditAction.UPDATED, ResourceType.VAULT_SECRET, path, "stored access key " + key.accessKeyId(),
                    Map.of("version", Integer.toString(version)));
        } catch (RuntimeException e) {
            // Not stored, so never usable: take it back rather than leave an orphan in one of the two slots. Someone
            // else writing first is transient (VaultSecrets): the record runs again and finds their key.
            users.deleteAccessKey(userName, key.accessKeyId());
            throw e;
        }
        return new AccessKeys(key.accessKeyId(), List.copyOf(stale));
    }
}
