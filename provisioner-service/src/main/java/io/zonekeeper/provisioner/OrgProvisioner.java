package io.zonekeeper.provisioner;

import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.audit.ResourceChange;
import io.zonekeeper.common.aws.AwsErrors;
import io.zonekeeper.common.events.Org;
import io.zonekeeper.common.kafka.StateTopic;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.provisioner.aws.AccountPool;
import io.zonekeeper.provisioner.aws.AccountQuotas;
import io.zonekeeper.provisioner.aws.AwsAccount;
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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

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

    private final OrgNaming naming;
    private final AccountPool accounts;
    private final OrgZones zones;
    private final AccessKeyVault vault;
    private final StateTopic<OrgDnsState> states;
    private final Retry retry;
    private final Clock clock;

    /** {@code states}: where the account a new organization is placed in is recorded before anything is made. */
    OrgProvisioner(OrgNaming naming, AccountPool accounts, OrgZones zones, AccessKeyVault vault,
                   StateTopic<OrgDnsState> states, Retry retry, Clock clock) {
        this.naming = naming;
        this.accounts = accounts;
        this.zones = zones;
        this.vault = vault;
        this.states = states;
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
        // A refusal after the placement was recorded (FAILED naming an account) may have left something there.
        boolean fresh = previous.isEmpty() || previous.get().getStatus() == OrgDnsStatus.DELETED
                || (previous.get().getStatus() == OrgDnsStatus.FAILED && previous.get().getZoneId() == null
                && previous.get().getAwsAccount() == null);
        if (!fresh) {
            return ensureIn(accounts.of(org.orgId(), previous.get().getAwsAccount()), Optional.empty(), org,
                    zoneName, previous, false, audit);
        }
        AccountPool.Placement placement = accounts.place(org.orgId(), zoneName);
        try {
            recordPlacement(placement.account(), org, zoneName, previous);
            return ensureIn(placement.account(), Optional.of(placement.claim()), org, zoneName, previous, true, audit);
        } finally {
            placement.claim().settled();
        }
    }

    /** {@code claim}: the room claimed for a new organization, told as its zone and user are made. */
    private Provisioned ensureIn(AwsAccount placed, Optional<AccountQuotas.Claim> claim, Org org, String zoneName,
                                 Optional<OrgDnsState> previous, boolean fresh, AuditTrail audit) {
        OrgZones.OwnedZone owned = zones.ensure(org, zoneName, previous, fresh, placed, audit);
        claim.ifPresent(AccountQuotas.Claim::zoneMade);
        Zone zone = owned.zone();
        AwsAccount account = owned.account();
        IamUsers users = account.users();

        String path = naming.iamPath(org.orgId());
        String userName = naming.iamUserName(org.orgId(), org.orgName());
        Map<String, String> userTags = Map.of("managed-by", "zonekeeper", "zonekeeper/org-id", org.orgId(),
                "zonekeeper/zone", zoneName);
        ResourceChange user = fresh ? users.createUser(path, userName, userTags) : users.ensureUser(path, userName, userTags);
        claim.ifPresent(AccountQuotas.Claim::userMade);
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
            removeManagedPolicies(account, userName, path, previous, audit);
        }

        String credentialsPath = naming.credentialsPath(org.orgId());
        List<OrgCluster> roster = previous.map(OrgDnsState::getClusters).orElse(List.of());
        AccessKeys keys = ensureAccessKey(users, userName, credentialsPath, newUser, roster, audit);

        return new Provisioned(OrgDnsState.newBuilder()
                .setOrgId(org.orgId())
                .setOrgName(org.orgName())
                .setBaseDomain(naming.baseDomain())
                .setStatus(OrgDnsStatus.READY)
                .setStatusReason(null)
                .setZoneName(zoneName)
                .setAwsAccount(account.id())
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

    /**
     * Records the account a new organization was placed in ({@link AccountPool#place}: one with room for its zone
     * and user, or a refusal of the whole organization) before anything of it is made. Over several accounts the
     * choice is published (PROVISIONING, naming the account), so a crash before the organization is READY resumes in
     * that account, where the zone's CallerReference finds what the crash left, instead of placing it again and
     * leaving a billed zone behind in the first. In one account a retry lands there anyway.
     */
    private void recordPlacement(AwsAccount account, Org org, String zoneName, Optional<OrgDnsState> previous) {
        if (accounts.spreads()) {
            states.publish(OrgDnsState.newBuilder()
                    .setOrgId(org.orgId()).setOrgName(org.orgName()).setBaseDomain(naming.baseDomain())
                    .setStatus(OrgDnsStatus.PROVISIONING)
                    .setStatusReason("placed in AWS account " + account.label())
                    .setAwsAccount(account.id())
                    .setZoneName(zoneName)
                    .setZoneGeneration(previous.map(OrgDnsState::getZoneGeneration).orElse(0))
                    .setNameServers(previous.map(OrgDnsState::getNameServers).orElse(List.of()))
                    .setClusters(previous.map(OrgDnsState::getClusters).orElse(List.of()))
                    .setLastLifecyclePartition(previous.map(OrgDnsState::getLastLifecyclePartition).orElse(null))
                    .setLastLifecycleOffset(previous.map(OrgDnsState::getLastLifecycleOffset).orElse(null))
                    .setLastLifecycleTopic(previous.map(OrgDnsState::getLastLifecycleTopic).orElse(null))
                    .setUpdatedAt(clock.instant())
                    .build());
        }
    }

    /**
     * Moves an organization from the customer-managed policy of older releases to the inline one, which the caller
     * has just written, so the user is never without a grant: detaches and deletes the managed policy at the
     * organization's path, and one the state names that a crash left detached. Costs one listing once migrated.
     */
    private void removeManagedPolicies(AwsAccount account, String userName, String path,
                                       Optional<OrgDnsState> previous, AuditTrail audit) {
        IamUsers users = account.users();
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
            audit.record(account.policies().delete(arn), ResourceType.IAM_POLICY, arn, "replaced by the user's inline"
                    + " policy", Map.of());
        }
    }

    /**
     * Deletes the stale keys no running cluster of {@code roster} still uses; one that a cluster the new key could
     * not reach still uses stays, and goes at a later change or reconcile once that cluster has moved.
     */
    void retireKeys(OrgDnsState state, List<String> staleKeys, List<OrgCluster> roster, AuditTrail audit) {
        List<String> inUse = ClusterRoster.keysInUse(roster, state.getAccessKeyId());
        IamUsers users = accounts.of(state.getOrgId(), state.getAwsAccount()).users();
        for (String stale : staleKeys) {
            if (inUse.contains(stale)) {
                continue;
            }
            audit.record(users.deleteAccessKey(state.getIamUserName(), stale), ResourceType.ACCESS_KEY, stale,
                    "replaced by " + state.getAccessKeyId() + "; no running cluster uses it", Map.of());
        }
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
    private AccessKeys ensureAccessKey(IamUsers users, String userName, String path, boolean newUser,
                                       List<OrgCluster> roster, AuditTrail audit) {
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
            audit.record(users.deleteAccessKey(userName, first), ResourceType.ACCESS_KEY, first,
                    "stale key, not in Vault", Map.of());
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
