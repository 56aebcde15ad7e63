package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.audit.ResourceChange;
import io.zonekeeper.common.aws.AwsErrors;
import io.zonekeeper.common.retry.Retry;
import java.util.function.Supplier;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.PolicyVersion;

/**
 * The customer-managed zone policies that releases before inline policies made, one per organization at the
 * organization's IAM path. Nothing creates them any more; an organization's next reconcile, and its reap, remove
 * its own.
 */
public final class ManagedPolicies {

    private final IamClient iam;
    private final Retry retry;

    public ManagedPolicies(IamClient iam, Retry retry) {
        this.iam = iam;
        this.retry = retry;
    }

    /** Whether {@code arn} is a policy Zonekeeper made at the organization's IAM {@code path}. */
    public static boolean madeAt(String arn, String path) {
        return arn.contains(":policy" + path);
    }

    /** Deletes every non-default version and then the policy (it must be detached); UNCHANGED when already gone. */
    public ResourceChange delete(String arn) {
        try {
            for (PolicyVersion version : call("ListPolicyVersions", () -> iam.listPolicyVersions(r -> r.policyArn(arn))
                    .versions())) {
                if (!Boolean.TRUE.equals(version.isDefaultVersion())) {
                    call("DeletePolicyVersion", () -> iam.deletePolicyVersion(r -> r.policyArn(arn)
                            .versionId(version.versionId())));
                }
            }
            call("DeletePolicy", () -> iam.deletePolicy(r -> r.policyArn(arn)));
            return ResourceChange.DELETED;
        } catch (NoSuchEntityException e) {
            return ResourceChange.UNCHANGED;
        }
    }

    private <T> T call(String operation, Supplier<T> request) {
        return retry.call("iam " + operation, AwsErrors::isRetryable, request::get);
    }
}
