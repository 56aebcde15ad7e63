package io.zonekeeper.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonekeeper.common.config.ConfigException;
import io.zonekeeper.common.config.EnvReader;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pool's settings as the provisioner reads them: every mistake named at start-up, all at once. */
class AccountPoolConfigTest {

    private static final String ROLE_A = "arn:aws:iam::210987654321:role/zonekeeper-provisioner";
    private static final String ROLE_B = "arn:aws:iam::310987654321:role/zk/provisioner";

    @Test
    void rolesAreReadByTheirAccountInTheOrderGiven() {
        ProvisionerConfig config = read(Map.of("AWS_ACCOUNT_ROLES", ROLE_A + ", " + ROLE_B,
                "AWS_ROLE_EXTERNAL_ID", "installation-1", "PARENT_ZONE_ACCOUNT", "310987654321"));

        assertThat(config.accounts().roles()).containsOnlyKeys("210987654321", "310987654321");
        assertThat(config.accounts().roles().keySet()).containsExactly("210987654321", "310987654321");
        assertThat(config.accounts().roles().get("310987654321").roleArn()).isEqualTo(ROLE_B);
        assertThat(config.accounts().roles().get("210987654321").externalId()).hasValueSatisfying(id ->
                assertThat(id.value()).isEqualTo("installation-1"));
        assertThat(config.accounts().parentZoneAccount()).contains("310987654321");
    }

    @Test
    void noPoolIsTheOwnAccountAlone() {
        ProvisionerConfig config = read(Map.of());

        assertThat(config.accounts().roles()).isEmpty();
        assertThat(config.accounts().parentZoneAccount()).isEmpty();
        assertThat(config.accounts().maxZones()).isZero();
    }

    @Test
    void aBadRoleATwiceNamedAccountAForeignParentAccountAndOneAccountsSetAreEachRefused() {
        assertThatThrownBy(() -> read(Map.of("AWS_ACCOUNT_ROLES", ROLE_A + ",arn:aws:iam::210987654321:role/other,"
                        + ROLE_B + ",user/not-a-role", "PARENT_ZONE_ACCOUNT", "999999999999",
                "DELEGATION_SET_ID", "NAMEDSET1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("AWS_ACCOUNT_ROLES names account 210987654321 twice")
                .hasMessageContaining("role ARNs (arn:aws:iam::<account>:role/<name>), not 'user/not-a-role'")
                .hasMessageContaining("PARENT_ZONE_ACCOUNT must be the account of one of AWS_ACCOUNT_ROLES, not"
                        + " '999999999999'")
                .hasMessageContaining("with a pool of accounts it is 'auto' or 'none'");
    }

    private static ProvisionerConfig read(Map<String, String> pool) {
        Map<String, String> env = new HashMap<>(Map.of("BASE_DOMAIN", "example.com", "PARENT_ZONE_ID", "Z1",
                "KAFKA_BOOTSTRAP_SERVERS", "localhost:9092", "SCHEMA_REGISTRY_URL", "http://localhost:8081",
                "VAULT_ADDR", "http://localhost:8200", "VAULT_TOKEN", "t"));
        env.putAll(pool);
        return ProvisionerConfig.read(new EnvReader(env));
    }
}
