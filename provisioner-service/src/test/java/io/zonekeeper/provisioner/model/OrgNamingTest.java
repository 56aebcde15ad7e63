package io.zonekeeper.provisioner.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OrgNamingTest {

    private final OrgNaming naming = new OrgNaming("example.com", "/zonekeeper/", "zonekeeper/orgs");

    @Test
    void zoneNameIsTheOrganizationUnderTheBaseDomainWithTrailingDot() {
        assertThat(naming.zoneName("acme")).isEqualTo("acme.example.com.");
        assertThat(new OrgNaming("example.com.", "/z/", "v").zoneName("acme")).isEqualTo("acme.example.com.");
    }

    @Test
    void callerReferenceIsStablePerOrganizationAndGeneration() {
        assertThat(naming.callerReference("org-1", 1)).isEqualTo(naming.callerReference("org-1", 1))
                .isNotEqualTo(naming.callerReference("org-1", 2))
                .isNotEqualTo(naming.callerReference("org-2", 1))
                .startsWith("zk-").endsWith("-g1");
        assertThat(naming.callerReference("org-1", 1))
                .isNotEqualTo(new OrgNaming("other.io", "/zonekeeper/", "v").callerReference("org-1", 1));
    }

    @Test
    void iamNamesFitTheLimitAndStayUniqueForLongNames() {
        String longName = "a".repeat(63);
        String user = naming.iamUserName("org-1", longName);
        assertThat(user).hasSizeLessThanOrEqualTo(OrgNaming.IAM_NAME_LIMIT).startsWith("zk-aaa");
        assertThat(naming.iamUserName("org-2", longName)).isNotEqualTo(user).hasSize(user.length());
        assertThat(naming.iamUserName("org-1", "acme")).matches("zk-acme-[0-9a-f]{16}");
    }

    @Test
    void sameOrganizationInAnotherInstallationGetsOtherIamNames() {
        OrgNaming other = new OrgNaming("example.org", "/zonekeeper/", "zonekeeper/orgs");
        assertThat(other.iamUserName("org-1", "acme")).isNotEqualTo(naming.iamUserName("org-1", "acme"));
    }

    @Test
    void iamPathIsPerOrganizationUnderTheInstallationPath() {
        assertThat(naming.iamPath("org-1")).matches("/zonekeeper/[0-9a-f]{16}/");
        assertThat(naming.credentialsPath("org-1")).isEqualTo("zonekeeper/orgs/org-1/aws");
    }
}
