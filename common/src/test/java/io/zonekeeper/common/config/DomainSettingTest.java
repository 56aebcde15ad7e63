package io.zonekeeper.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DomainSettingTest {

    @Test
    void aDomainIsWrittenAsRoute53StoresIt() {
        EnvReader env = new EnvReader(Map.of("BASE_DOMAIN", "Zones.Example.COM."));
        assertThat(DomainSetting.required(env, "BASE_DOMAIN")).isEqualTo("zones.example.com");
        env.validate();
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "exa mple.com", "-bad.example.com", "a..b.com", "under_score.com",
            "xn--bücher.com", "*.example.com"})
    void somethingThatIsNotADomainIsAProblemAtStartUp(String value) {
        EnvReader env = new EnvReader(Map.of("BASE_DOMAIN", value));
        DomainSetting.required(env, "BASE_DOMAIN");
        assertThatThrownBy(env::validate).hasMessageContaining("BASE_DOMAIN must be a DNS domain");
    }

    @Test
    void aMissingDomainIsReportedOnce() {
        EnvReader env = new EnvReader(Map.of());
        DomainSetting.required(env, "BASE_DOMAIN");
        assertThatThrownBy(env::validate).hasMessageContaining("BASE_DOMAIN is required")
                .hasMessageNotContaining("must be a DNS domain");
    }
}
