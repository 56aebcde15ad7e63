package io.zonekeeper.local;

import io.fabric8.kubernetes.api.model.Secret;
import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.cert.vault.CertificateVault;
import io.zonekeeper.provisioner.model.ExternalDnsManifests;
import io.zonekeeper.provisioner.model.OrgNaming;
import io.zonekeeper.provisioner.model.ZonePolicyDocument;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.OrgDnsState;
import io.zonekeeper.schemas.OrgDnsStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.User;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.HostedZone;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/**
 * The world the chaos run's events alone imply, checked against what is there: zones, delegations, users, policies,
 * keys, the Secrets and ExternalDNS in each cluster, the CAs and certificates. Each check that fails is a line of the
 * answer, so a run that has not converged yet says what is still missing.
 */
final class ChaosOracle {

    static final String TLS_NAMESPACE = "zonekeeper";
    static final String TLS_SECRET = "zonekeeper-tls";
    private static final String EXTERNAL_DNS_NAMESPACE = "external-dns";

    private final ChaosScenario scenario;
    private final Dependencies dependencies;
    private final Route53Client route53;
    private final IamClient iam;
    private final CertNaming certNaming = new CertNaming(Dependencies.BASE_DOMAIN, "zonekeeper/tls", TLS_SECRET);
    private int checks;

    ChaosOracle(ChaosScenario scenario, Dependencies dependencies, Route53Client route53, IamClient iam) {
        this.scenario = scenario;
        this.dependencies = dependencies;
        this.route53 = route53;
        this.iam = iam;
    }

    /** How many facts the last {@link #problems} checked. */
    int checks() {
        return checks;
    }

    /** What differs from the oracle; empty when the world is what the events say. */
    List<String> problems(Map<String, OrgDnsState> states) {
        checks = 0;
        List<String> problems = new ArrayList<>();
        Map<String, Integer> zonesByName = new HashMap<>();
        route53.listHostedZonesPaginator(r -> r.maxItems("100")).hostedZones().stream().map(HostedZone::name)
                .forEach(name -> zonesByName.merge(name, 1, Integer::sum));
        List<String> delegated = route53.listResourceRecordSetsPaginator(r -> r.hostedZoneId(dependencies.parentZoneId))
                .resourceRecordSets().stream().filter(set -> set.type() == RRType.NS).map(ResourceRecordSet::name)
                .toList();
        List<String> users = iam.listUsersPaginator().users().stream().map(User::userName).toList();
        check(problems, users.size() == scenario.orgs().size(),
                () -> users.size() + " IAM users for " + scenario.orgs().size() + " organizations");

        for (ChaosScenario.Org org : scenario.orgs()) {
            String zoneName = org.orgName() + "." + Dependencies.BASE_DOMAIN + ".";
            check(problems, zonesByName.getOrDefault(zoneName, 0) == 1,
                    () -> zonesByName.getOrDefault(zoneName, 0) + " zones named " + zoneName);
            check(problems, delegated.contains(zoneName), () -> "no delegation of " + zoneName);
            OrgDnsState state = states.get(org.orgId());
            if (state == null || state.getStatus() != OrgDnsStatus.READY) {
                problems.add(org.orgId() + " is not READY: " + (state == null ? "no state" : state.getStatus()));
                continue;
            }
            checkCredentials(problems, org, state);
            checkAuthority(problems, org);
            for (Map.Entry<String, ClusterStatus> cluster : org.lastStatus().entrySet()) {
                checkCluster(problems, org, state, cluster.getKey(), cluster.getValue());
            }
        }
        return problems;
    }

    private void checkCredentials(List<String> problems, ChaosScenario.Org org, OrgDnsState state) {
        var keys = iam.listAccessKeys(r -> r.userName(state.getIamUserName())).accessKeyMetadata();
        check(problems, keys.size() == 1 && keys.get(0).accessKeyId().equals(state.getAccessKeyId()),
                () -> org.orgId() + " has keys " + keys.stream().map(k -> k.accessKeyId()).toList() + ", its state says "
                        + state.getAccessKeyId());
        var attached = iam.listAttachedUserPolicies(r -> r.userName(state.getIamUserName())).attachedPolicies();
        check(problems, attached.isEmpty(), () -> org.orgId() + "'s user has managed policies " + attached);
        var inline = iam.listUserPolicies(r -> r.userName(state.getIamUserName())).policyNames();
        check(problems, inline.equals(List.of(OrgNaming.ZONE_POLICY_NAME)) && ZonePolicyDocument.same(iam.getUserPolicy(r -> r
                        .userName(state.getIamUserName()).policyName(OrgNaming.ZONE_POLICY_NAME)).policyDocument(),
                        ZonePolicyDocument.forZone(state.getZoneId())),
                () -> org.orgId() + "'s user has inline policies " + inline + ", not exactly its zone's");
        Optional<Map<String, Object>> stored = dependencies.vault.read(state.getCredentialsVaultPath());
        check(problems, stored.isPresent() && state.getAccessKeyId().equals(stored.get().get("accessKeyId")),
                () -> org.orgId() + "'s key in Vault is not " + state.getAccessKeyId());
    }

    private void checkAuthority(List<String> problems, ChaosScenario.Org org) {
        Optional<Map<String, Object>> ca = dependencies.vault.read(certNaming.authorityPath(org.orgId()));
        check(problems, ca.isPresent() && "1".equals(String.valueOf(ca.get().get("generation"))),
                () -> org.orgId() + " has " + (ca.isEmpty() ? "no CA" : "CA generation " + ca.get().get("generation")));
    }

    private void checkCluster(List<String> problems, ChaosScenario.Org org, OrgDnsState state, String clusterId,
                              ClusterStatus last) {
        try (var admin = dependencies.cluster(clusterId).adminClient()) {
            var deployment = admin.apps().deployments().inNamespace(EXTERNAL_DNS_NAMESPACE)
                    .withName(ExternalDnsManifests.NAME).get();
            Secret tls = admin.secrets().inNamespace(TLS_NAMESPACE).withName(TLS_SECRET).get();
            if (last == ClusterStatus.DELETED) {
                check(problems, deployment == null, () -> clusterId + " was deleted and still runs ExternalDNS");
                check(problems, tls == null, () -> clusterId + " was deleted and still has its TLS Secret");
                check(problems, dependencies.vault.read(certNaming.certificatePath(org.orgId(), clusterId,
                        CertNaming.SERVER)).isEmpty(), () -> clusterId + " was deleted and its certificate is in Vault");
                return;
            }
            check(problems, deployment != null, () -> clusterId + " (" + last + ") has no ExternalDNS");
            Secret credentials = admin.secrets().inNamespace(EXTERNAL_DNS_NAMESPACE)
                    .withName(ExternalDnsManifests.SECRET_NAME).get();
            check(problems, credentials != null && decoded(credentials).contains(state.getAccessKeyId()),
                    () -> clusterId + " does not hold " + org.orgId() + "'s key " + state.getAccessKeyId());
            check(problems, tls != null && tls.getData().containsKey(CertificateVault.TLS_CRT),
                    () -> clusterId + " (" + last + ") has no TLS Secret");
        }
    }

    private static String decoded(Secret secret) {
        StringBuilder all = new StringBuilder();
        secret.getData().values().forEach(v -> all.append(new String(Base64.getDecoder().decode(v),
                StandardCharsets.UTF_8)));
        return all.toString();
    }

    private void check(List<String> problems, boolean holds, java.util.function.Supplier<String> problem) {
        checks++;
        if (!holds) {
            problems.add(problem.get());
        }
    }
}
