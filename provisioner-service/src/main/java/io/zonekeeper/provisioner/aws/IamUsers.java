package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.audit.ResourceChange;
import io.zonekeeper.common.aws.AwsErrors;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.retry.TransientFailureException;
import io.zonekeeper.provisioner.model.ZonePolicyDocument;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.DeleteConflictException;
import software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException;
import software.amazon.awssdk.services.iam.model.LimitExceededException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * The organization's IAM user, its inline zone policy and its access keys.
 *
 * <p>The policy is inline (PutUserPolicy), not customer-managed: one call grants it, where a managed one costs a
 * lookup, a create and an attach; and it is under none of a managed policy's ceilings (1,500 per account by
 * default, which would cap the installation at 1,500 organizations, and five versions each). Its 2,048 characters
 * per user hold the zone policy several times over.
 */
public final class IamUsers {

    /** A newly created key. The secret is returned once by IAM and goes straight to Vault. */
    public record NewKey(String accessKeyId, String secretAccessKey) {

        @Override
        public String toString() {
            return "NewKey[accessKeyId=" + accessKeyId + ", secretAccessKey=****]";
        }
    }

    private final IamClient iam;
    private final Retry retry;

    public IamUsers(IamClient iam, Retry retry) {
        this.iam = iam;
        this.retry = retry;
    }

    /**
     * Creates the user without looking first, for an organization whose state says it has none: CREATED, or
     * UNCHANGED when it existed after all (a state lost, or a create whose response was lost), and then the caller
     * must treat it as an existing user.
     */
    public ResourceChange createUser(String path, String name, Map<String, String> tags) {
        try {
            call("CreateUser", () -> iam.createUser(r -> r.path(path).userName(name).tags(tags.entrySet().stream()
                    .map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build()).toList())));
            return ResourceChange.CREATED;
        } catch (EntityAlreadyExistsException exists) {
            return ResourceChange.UNCHANGED;
        } catch (LimitExceededException full) {
            throw new UserQuotaException(name, full);
        }
    }

    /** Creates the user if missing. */
    public ResourceChange ensureUser(String path, String name, Map<String, String> tags) {
        try {
            call("GetUser", () -> iam.getUser(r -> r.userName(name)));
            return ResourceChange.UNCHANGED;
        } catch (NoSuchEntityException missing) {
            return createUser(path, name, tags);
        }
    }

    /** Writes the inline policy without reading it: PutUserPolicy replaces what is there, so it is idempotent. */
    public void putPolicy(String name, String policyName, String document) {
        call("PutUserPolicy", () -> iam.putUserPolicy(r -> r.userName(name).policyName(policyName)
                .policyDocument(document)));
    }

    /**
     * Makes the inline policy grant exactly {@code document}: CREATED when there was none, UPDATED when it granted
     * something else (another zone, or a grant widened by hand), UNCHANGED when it already does.
     */
    public ResourceChange ensurePolicy(String name, String policyName, String document) {
        String current;
        try {
            current = call("GetUserPolicy", () -> iam.getUserPolicy(r -> r.userName(name).policyName(policyName)))
                    .policyDocument();
        } catch (NoSuchEntityException missing) {
            putPolicy(name, policyName, document);
            return ResourceChange.CREATED;
        }
        if (ZonePolicyDocument.same(current, document)) {
            return ResourceChange.UNCHANGED;
        }
        putPolicy(name, policyName, document);
        return ResourceChange.UPDATED;
    }

    /** The ARNs of the managed policies attached to the user. */
    public List<String> attachedPolicyArns(String name) {
        return call("ListAttachedUserPolicies", () -> iam.listAttachedUserPoliciesPaginator(r -> r.userName(name))
                .attachedPolicies().stream().map(AttachedPolicy::policyArn).toList());
    }

    /** Detaches a managed policy; UNCHANGED when it was not attached. */
    public ResourceChange detach(String name, String policyArn) {
        try {
            call("DetachUserPolicy", () -> iam.detachUserPolicy(r -> r.userName(name).policyArn(policyArn)));
            return ResourceChange.UPDATED;
        } catch (NoSuchEntityException notAttached) {
            return ResourceChange.UNCHANGED;
        }
    }

    public List<String> accessKeyIds(String name) {
        return call("ListAccessKeys", () -> iam.listAccessKeys(r -> r.userName(name)).accessKeyMetadata().stream()
                .map(AccessKeyMetadata::accessKeyId).toList());
    }

    /**
     * Creates a key. Only throttling is retried here: after a lost response the key may exist, and the caller's
     * next reconcile finds it among the user's keys and cleans it up, where a blind retry would spend the second
     * of IAM's two key slots.
     */
    public NewKey createAccessKey(String name) {
        var key = onceUnlessThrottled("CreateAccessKey", () -> iam.createAccessKey(r -> r.userName(name))).accessKey();
        return new NewKey(key.accessKeyId(), key.secretAccessKey());
    }

    /** Deletes the key; UNCHANGED when it was already gone (a replay after a crash). */
    public ResourceChange deleteAccessKey(String name, String accessKeyId) {
        try {
            call("DeleteAccessKey", () -> iam.deleteAccessKey(r -> r.userName(name).accessKeyId(accessKeyId)));
            return ResourceChange.DELETED;
        } catch (NoSuchEntityException alreadyGone) {
            return ResourceChange.UNCHANGED;
        }
    }

    /**
     * Deletes the user with what IAM requires gone first, from what the caller knows it has: its inline policy,
     * its keys, and a managed policy an older release attached. That costs no listing; only when IAM still finds
     * something attached (a key or policy the state does not know) are they listed and removed. UNCHANGED when the
     * user was already gone.
     */
    public ResourceChange deleteUser(String name, String policyName, List<String> knownKeys, List<String> knownAttached) {
        try {
            call("DeleteUserPolicy", () -> iam.deleteUserPolicy(r -> r.userName(name).policyName(policyName)));
        } catch (NoSuchEntityException alreadyGoneOrNoUser) {
            // DeleteUser below tells which
        }
        knownAttached.forEach(arn -> detach(name, arn));
        knownKeys.forEach(id -> deleteAccessKey(name, id));
        try {
            call("DeleteUser", () -> iam.deleteUser(r -> r.userName(name)));
            return ResourceChange.DELETED;
        } catch (NoSuchEntityException alreadyGone) {
            return ResourceChange.UNCHANGED;
        } catch (DeleteConflictException somethingUnknownLeft) {
            return deleteUserAfterListing(name);
        }
    }

    private ResourceChange deleteUserAfterListing(String name) {
        try {
            attachedPolicyArns(name).forEach(arn -> detach(name, arn));
            call("ListUserPolicies", () -> iam.listUserPoliciesPaginator(r -> r.userName(name)).policyNames().stream()
                    .toList()).forEach(policy -> call("DeleteUserPolicy", () -> iam.deleteUserPolicy(r -> r
                    .userName(name).policyName(policy))));
            accessKeyIds(name).forEach(id -> deleteAccessKey(name, id));
            call("DeleteUser", () -> iam.deleteUser(r -> r.userName(name)));
            return ResourceChange.DELETED;
        } catch (NoSuchEntityException e) {
            return ResourceChange.UNCHANGED;
        }
    }

    /** One attempt (throttling aside); an unknown outcome becomes a transient failure of the whole reconcile. */
    private <T> T onceUnlessThrottled(String operation, Supplier<T> request) {
        try {
            return retry.call("iam " + operation, AwsErrors::isThrottling, request::get);
        } catch (RuntimeException e) {
            if (AwsErrors.isRetryable(e)) {
                throw new TransientFailureException("iam " + operation + " (outcome unknown)", 1, e);
            }
            throw e;
        }
    }

    private <T> T call(String operation, Supplier<T> request) {
        return retry.call("iam " + operation, AwsErrors::isRetryable, request::get);
    }
}
