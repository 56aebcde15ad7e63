package io.zonekeeper.testkit.faults;

import io.zonekeeper.testkit.aws.IdentityPolicies;
import io.zonekeeper.testkit.aws.MotoAccounts;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.w3c.dom.NodeList;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * IAM in front of the AWS emulator for Route53: every Route53 request signed with a user's access key is allowed only
 * when that user's identity policies (attached, inline and through groups, read from the emulator's IAM) allow the
 * request's action on its resource ARN, as the Service Authorization Reference for Route 53 names them. moto cannot
 * show this itself (issue 11): its check matches every Route53 call against resource {@code *}.
 *
 * <p>Per account, as IAM is: the key's account is the one moto acts in for it ({@link MotoAccounts}), and its user
 * and policies are read there, so a key of one account is judged by that account's IAM and reaches only that
 * account's zones. Credentials from STS AssumeRole are judged by their role's policies (attached and inline).
 *
 * <p>It decides what a key's user may do; it does not verify signatures, which the SDKs compute and moto checks
 * wrongly for Route53 GETs. Keys named as the default account's administrators (the emulator's static test credentials
 * that Zonekeeper itself uses) pass unchecked, as an administrator's would; a key IAM does not know is refused.
 */
public final class Route53Authorizer implements AutoCloseable {

    private static final String NAMESPACE = "https://route53.amazonaws.com/doc/2013-04-01/";
    private static final Pattern ID_AFTER = Pattern.compile("/2013-04-01/(hostedzone|change|delegationset|"
            + "tags/hostedzone)/([^/]+)");

    /** One decision: who asked (a user, or an assumed role) for what, and whether IAM allowed it. */
    public record Decision(String user, String action, String resource, IdentityPolicies.Decision outcome) {

        public boolean allowed() {
            return outcome == IdentityPolicies.Decision.ALLOWED;
        }
    }

    private final MotoAccounts accounts;
    private final Map<String, IamClient> iamByAccount = new ConcurrentHashMap<>();
    private final Set<String> administratorKeys;
    private final List<Decision> decisions = new CopyOnWriteArrayList<>();

    /** Reads users and policies from the emulator's IAM at {@code iamEndpoint}, as an administrator of each account. */
    public Route53Authorizer(URI iamEndpoint, String administratorKey, String administratorSecret) {
        this.accounts = new MotoAccounts(iamEndpoint, administratorKey, administratorSecret);
        this.administratorKeys = Set.of(administratorKey);
    }

    /** Every decision taken for a user's key, in order. */
    public List<Decision> decisions() {
        return List.copyOf(decisions);
    }

    /** Route53's refusal of the request, or null when the caller may make it. */
    FaultResponses.Response admit(Operation operation, String path, String authorization, byte[] body) {
        if (!operation.service().equals("route53")) {
            return null;
        }
        String accessKey = MotoAccounts.accessKey(authorization);
        if (accessKey == null) {
            return FaultResponses.awsError(403, NAMESPACE, "Sender", "MissingAuthenticationToken",
                    "Missing Authentication Token");
        }
        if (administratorKeys.contains(accessKey)) {
            return null;
        }
        MotoAccounts.Caller caller = accounts.callerOf(accessKey);
        IamClient iam = iamByAccount.computeIfAbsent(caller.account(), accounts::iam);
        String role = caller.roleName();
        String user;
        try {
            user = role != null ? role : iam.getAccessKeyLastUsed(r -> r.accessKeyId(accessKey)).userName();
        } catch (NoSuchEntityException e) {
            user = null;
        }
        if (user == null) {
            return FaultResponses.awsError(403, NAMESPACE, "Sender", "InvalidClientTokenId",
                    "The security token included in the request is invalid.");
        }
        List<String> documents;
        try {
            documents = role != null ? rolePolicies(iam, role) : policiesOf(iam, user);
        } catch (NoSuchEntityException gone) {
            // A role or user deleted since the key was issued.
            return FaultResponses.awsError(403, NAMESPACE, "Sender", "InvalidClientTokenId",
                    "The security token included in the request is invalid.");
        }
        String principal = role != null ? caller.arn() : "arn:aws:iam::" + caller.account() + ":user/" + user;
        String action = "route53:" + operation.name();
        for (String resource : resources(operation.name(), path, body)) {
            IdentityPolicies.Decision outcome = IdentityPolicies.decide(documents, action, resource);
            decisions.add(new Decision(user, action, resource, outcome));
            if (outcome != IdentityPolicies.Decision.ALLOWED) {
                String because = outcome == IdentityPolicies.Decision.EXPLICITLY_DENIED
                        ? "with an explicit deny in an identity-based policy"
                        : "because no identity-based policy allows the " + action + " action";
                return FaultResponses.awsError(403, NAMESPACE, "Sender", "AccessDenied",
                        "User: " + principal + " is not authorized to perform: "
                                + action + " on resource: " + resource + " " + because);
            }
        }
        return null;
    }

    /**
     * The resource ARNs IAM authorizes an operation against: the hosted zone, change or delegation set in its path,
     * each zone of a ListTagsForResources body, and {@code *} for operations with no resource type.
     */
    static List<String> resources(String operation, String path, byte[] body) {
        if (operation.equals("ListTagsForResources")) {
            List<String> zones = new ArrayList<>();
            NodeList ids = Route53Enforcement.parse(body).getElementsByTagNameNS("*", "ResourceId");
            for (int i = 0; i < ids.getLength(); i++) {
                zones.add(arn("hostedzone", ids.item(i).getTextContent()));
            }
            return zones;
        }
        Matcher id = ID_AFTER.matcher(path);
        if (!id.lookingAt()) {
            return List.of("*");
        }
        String type = id.group(1).equals("tags/hostedzone") ? "hostedzone" : id.group(1);
        return List.of(arn(type, URLDecoder.decode(id.group(2), StandardCharsets.UTF_8)));
    }

    private static String arn(String type, String id) {
        String bare = id.startsWith("/" + type + "/") ? id.substring(type.length() + 2) : id;
        return "arn:aws:route53:::" + type + "/" + bare;
    }

    private static List<String> rolePolicies(IamClient iam, String role) {
        List<String> documents = new ArrayList<>();
        iam.listAttachedRolePoliciesPaginator(r -> r.roleName(role)).attachedPolicies()
                .forEach(p -> documents.add(managedDocument(iam, p)));
        iam.listRolePoliciesPaginator(r -> r.roleName(role)).policyNames().forEach(name -> documents.add(
                iam.getRolePolicy(r -> r.roleName(role).policyName(name)).policyDocument()));
        return documents;
    }

    private static List<String> policiesOf(IamClient iam, String user) {
        List<String> documents = new ArrayList<>();
        iam.listAttachedUserPoliciesPaginator(r -> r.userName(user)).attachedPolicies()
                .forEach(p -> documents.add(managedDocument(iam, p)));
        iam.listUserPoliciesPaginator(r -> r.userName(user)).policyNames().forEach(name -> documents.add(
                iam.getUserPolicy(r -> r.userName(user).policyName(name)).policyDocument()));
        iam.listGroupsForUserPaginator(r -> r.userName(user)).groups().forEach(group -> {
            iam.listAttachedGroupPoliciesPaginator(r -> r.groupName(group.groupName())).attachedPolicies()
                    .forEach(p -> documents.add(managedDocument(iam, p)));
            iam.listGroupPoliciesPaginator(r -> r.groupName(group.groupName())).policyNames().forEach(name ->
                    documents.add(iam.getGroupPolicy(r -> r.groupName(group.groupName()).policyName(name))
                            .policyDocument()));
        });
        return documents;
    }

    private static String managedDocument(IamClient iam, AttachedPolicy attached) {
        String version = iam.getPolicy(r -> r.policyArn(attached.policyArn())).policy().defaultVersionId();
        return iam.getPolicyVersion(r -> r.policyArn(attached.policyArn()).versionId(version)).policyVersion()
                .document();
    }

    @Override
    public void close() {
        iamByAccount.values().forEach(IamClient::close);
    }
}
