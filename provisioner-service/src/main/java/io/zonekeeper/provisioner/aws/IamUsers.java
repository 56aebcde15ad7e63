package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.audit.Change;
import io.zonekeeper.common.aws.AwsErrors;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.retry.TransientFailureException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;
import software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Tag;

/** The organization's IAM user, its policy attachment and its access keys. */
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

    /** Creates the user if missing. */
    public Change ensureUser(String path, String name, Map<String, String> tags) {
        try {
            call("GetUser", () -> iam.getUser(r -> r.userName(name)));
            return Change.UNCHANGED;
        } catch (NoSuchEntityException missing) {
            try {
                call("CreateUser", () -> iam.createUser(r -> r.path(path).userName(name).tags(tags.entrySet().stream()
                        .map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build()).toList())));
                return Change.CREATED;
            } catch (EntityAlreadyExistsException raced) {
                return Change.UNCHANGED;
            }
        }
    }

    /** Attaches the policy if it is not attached yet; UPDATED when it was attached now. */
    public Change ensureAttached(String name, String policyArn) {
        boolean attached = call("ListAttachedUserPolicies", () -> iam.listAttachedUserPoliciesPaginator(r -> r.userName(name))
                .attachedPolicies().stream().anyMatch(p -> p.policyArn().equals(policyArn)));
        if (attached) {
            return Change.UNCHANGED;
        }
        return attach(name, policyArn);
    }

    /** Attaches without looking first (attaching twice is harmless in IAM); always UPDATED. */
    public Change attach(String name, String policyArn) {
        call("AttachUserPolicy", () -> iam.attachUserPolicy(r -> r.userName(name).policyArn(policyArn)));
        return Change.UPDATED;
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

    public void deleteAccessKey(String name, String accessKeyId) {
        try {
            call("DeleteAccessKey", () -> iam.deleteAccessKey(r -> r.userName(name).accessKeyId(accessKeyId)));
        } catch (NoSuchEntityException alreadyGone) {
            // the goal is reached
        }
    }

    /** Detaches every policy, deletes every key, then the user; UNCHANGED when the user was already gone. */
    public Change deleteUser(String name) {
        try {
            call("ListAttachedUserPolicies", () -> iam.listAttachedUserPoliciesPaginator(r -> r.userName(name))
                    .attachedPolicies().stream().toList())
                    .forEach(p -> call("DetachUserPolicy", () -> iam.detachUserPolicy(r -> r.userName(name)
                            .policyArn(p.policyArn()))));
            accessKeyIds(name).forEach(id -> deleteAccessKey(name, id));
            call("DeleteUser", () -> iam.deleteUser(r -> r.userName(name)));
            return Change.DELETED;
        } catch (NoSuchEntityException e) {
            return Change.UNCHANGED;
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
