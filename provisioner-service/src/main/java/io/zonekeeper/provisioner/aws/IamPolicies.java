package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.audit.Change;
import io.zonekeeper.common.aws.AwsErrors;
import io.zonekeeper.common.retry.Retry;
import io.zonekeeper.common.retry.TransientFailureException;
import io.zonekeeper.provisioner.model.ZonePolicyDocument;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Policy;
import software.amazon.awssdk.services.iam.model.PolicyScopeType;
import software.amazon.awssdk.services.iam.model.PolicyVersion;

/** The organization's customer-managed IAM policy: found by its own path, created, or given a new version. */
public final class IamPolicies {

    /** IAM keeps at most five versions of a managed policy. */
    static final int MAX_VERSIONS = 5;

    public record Ensured(String arn, Change change) {
    }

    private final IamClient iam;
    private final Retry retry;

    public IamPolicies(IamClient iam, Retry retry) {
        this.iam = iam;
        this.retry = retry;
    }

    /** The policy at {@code path} named {@code name}, if any: the path is the organization's own. */
    public Optional<Policy> find(String path, String name) {
        return call("ListPolicies", () -> iam.listPoliciesPaginator(r -> r.scope(PolicyScopeType.LOCAL).pathPrefix(path))
                .policies().stream().filter(p -> p.policyName().equals(name) && p.path().equals(path)).findFirst());
    }

    /**
     * Makes the policy exist with {@code document} as its default version. An existing policy whose default
     * version grants anything else (another zone after a re-creation, or what an older Zonekeeper granted) gets a
     * new default version; the oldest non-default version is deleted first when IAM's five are used.
     */
    public Ensured ensure(String path, String name, String document) {
        Optional<Policy> existing = find(path, name);
        if (existing.isEmpty()) {
            try {
                String arn = call("CreatePolicy", () -> iam.createPolicy(r -> r.path(path).policyName(name)
                        .policyDocument(document).description("Zonekeeper: record changes in one hosted zone")))
                        .policy().arn();
                return new Ensured(arn, Change.CREATED);
            } catch (EntityAlreadyExistsException e) {
                existing = find(path, name);
                if (existing.isEmpty()) {
                    throw e;
                }
            }
        }
        Policy policy = existing.get();
        String current = call("GetPolicyVersion", () -> iam.getPolicyVersion(r -> r.policyArn(policy.arn())
                .versionId(policy.defaultVersionId()))).policyVersion().document();
        if (ZonePolicyDocument.same(current, document)) {
            return new Ensured(policy.arn(), Change.UNCHANGED);
        }
        List<PolicyVersion> versions = versions(policy.arn());
        if (versions.size() >= MAX_VERSIONS) {
            versions.stream().filter(v -> !Boolean.TRUE.equals(v.isDefaultVersion()))
                    .min(Comparator.comparing(PolicyVersion::createDate))
                    .ifPresent(oldest -> call("DeletePolicyVersion", () -> iam.deletePolicyVersion(r -> r
                            .policyArn(policy.arn()).versionId(oldest.versionId()))));
        }
        // Not retried blindly: a lost response may have created the version; the next reconcile sees it.
        try {
            retry.call("iam CreatePolicyVersion", AwsErrors::isThrottling, () -> iam.createPolicyVersion(r -> r
                    .policyArn(policy.arn()).policyDocument(document).setAsDefault(true)));
        } catch (RuntimeException e) {
            if (AwsErrors.isRetryable(e)) {
                throw new TransientFailureException("iam CreatePolicyVersion (outcome unknown)", 1, e);
            }
            throw e;
        }
        return new Ensured(policy.arn(), Change.UPDATED);
    }

    /** Deletes every non-default version and then the policy; UNCHANGED when it was already gone. */
    public Change delete(String arn) {
        try {
            for (PolicyVersion version : versions(arn)) {
                if (!Boolean.TRUE.equals(version.isDefaultVersion())) {
                    call("DeletePolicyVersion", () -> iam.deletePolicyVersion(r -> r.policyArn(arn)
                            .versionId(version.versionId())));
                }
            }
            call("DeletePolicy", () -> iam.deletePolicy(r -> r.policyArn(arn)));
            return Change.DELETED;
        } catch (NoSuchEntityException e) {
            return Change.UNCHANGED;
        }
    }

    private List<PolicyVersion> versions(String arn) {
        return call("ListPolicyVersions", () -> iam.listPolicyVersions(r -> r.policyArn(arn)).versions());
    }

    private <T> T call(String operation, Supplier<T> request) {
        return retry.call("iam " + operation, AwsErrors::isRetryable, request::get);
    }
}
