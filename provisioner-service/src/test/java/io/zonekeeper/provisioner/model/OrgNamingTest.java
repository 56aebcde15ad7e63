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

    @Test
    void aZonesOwnerIsReadFromItsCommentOrElseItsCallerReference() {
        String mine = naming.callerReference("org-1", 3);
        assertThat(naming.ownership("org-1", mine, "Managed by Zonekeeper")).isEqualTo(OrgNaming.Ownership.THIS_ORGANIZATION);
        assertThat(naming.ownership("org-2", mine, "Managed by Zonekeeper"))
                .as("made for org-1 before comments named owners").isEqualTo(OrgNaming.Ownership.ANOTHER_ORGANIZATION);
        assertThat(naming.ownership("org-1", mine, naming.zoneComment("org-1"))).isEqualTo(OrgNaming.Ownership.THIS_ORGANIZATION);
        assertThat(naming.ownership("org-2", "by-hand", naming.zoneComment("org-1")))
                .as("adopted by org-1").isEqualTo(OrgNaming.Ownership.ANOTHER_ORGANIZATION);
        assertThat(naming.ownership("org-1", "by-hand", naming.zoneComment("org-1"))).isEqualTo(OrgNaming.Ownership.THIS_ORGANIZATION);
        assertThat(naming.ownership("org-1", "by-hand", "our old DNS")).isEqualTo(OrgNaming.Ownership.NOBODY);
        assertThat(naming.ownership("org-1", "by-hand", null)).isEqualTo(OrgNaming.Ownership.NOBODY);
        assertThat(naming.ownership("org-1", "zk-not-a-hash", null)).isEqualTo(OrgNaming.Ownership.NOBODY);
        assertThat(naming.ownership("org-10", mine, null)).as("no prefix match across ids")
                .isEqualTo(OrgNaming.Ownership.ANOTHER_ORGANIZATION);
    }
}
