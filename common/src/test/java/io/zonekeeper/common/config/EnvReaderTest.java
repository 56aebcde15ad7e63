package io.zonekeeper.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvReaderTest {

    @Test
    void reportsEveryProblemAtOnce() {
        EnvReader env = new EnvReader(Map.of("RETRY_MAX_ATTEMPTS", "many", "VAULT_ADDR", "not a uri"));
        KafkaSettings.read(env);
        VaultSettings.read(env);
        RetrySettings.read(env);
        assertThatThrownBy(env::validate)
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "KAFKA_BOOTSTRAP_SERVERS is required",
                        "SCHEMA_REGISTRY_URL is required",
                        "VAULT_ADDR must be an absolute URI, not 'not a uri'",
                        "VAULT_TOKEN is required",
                        "RETRY_MAX_ATTEMPTS must be an integer, not 'many'"));
    }

    @Test
    void describesSettingsWithSecretsMasked() {
        EnvReader env = new EnvReader(Map.of(
                "VAULT_ADDR", "http://vault:8200", "VAULT_TOKEN", "s.supersecret",
                "AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI",
                "KAFKA_BOOTSTRAP_SERVERS", "b:9092", "SCHEMA_REGISTRY_URL", "http://r:8081",
                "KAFKA_CLIENT_SASL_JAAS_CONFIG", "org.apache.kafka...password=\"hunter2\";",
                "KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_SSL"));
        VaultSettings vault = VaultSettings.read(env);
        AwsSettings aws = AwsSettings.read(env);
        KafkaSettings kafka = KafkaSettings.read(env);
        env.validate();

        String described = env.describe();
        assertThat(described).contains("VAULT_TOKEN=****", "AWS_SECRET_ACCESS_KEY=****",
                        "KAFKA_CLIENT_SASL_JAAS_CONFIG=****", "KAFKA_CLIENT_SECURITY_PROTOCOL=SASL_SSL",
                        "VAULT_ADDR=http://vault:8200", "VAULT_KV_MOUNT=secret")
                .doesNotContain("supersecret", "wJalrXUtnFEMI", "hunter2");
        assertThat(vault.toString()).doesNotContain("supersecret");
        assertThat(aws.toString()).doesNotContain("wJalrXUtnFEMI");
        assertThat(kafka.clientProperties()).containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void parsesDurationsWithUnitsOrIso8601() {
        assertThat(EnvReader.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(EnvReader.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(EnvReader.parseDuration("12h")).isEqualTo(Duration.ofHours(12));
        assertThat(EnvReader.parseDuration("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(EnvReader.parseDuration("PT1H30M")).isEqualTo(Duration.ofMinutes(90));
        assertThatThrownBy(() -> EnvReader.parseDuration("soon")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsOnlyOneHalfOfAStaticAwsKey() {
        EnvReader env = new EnvReader(Map.of("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"));
        AwsSettings.read(env);
        assertThatThrownBy(env::validate).hasMessageContaining("must be set together");
    }

    @Test
    void appliesDefaultsAndRanges() {
        EnvReader env = new EnvReader(Map.of("HTTP_PORT", "70000"));
        RetrySettings retry = RetrySettings.read(env);
        OpsSettings.read(env);
        assertThat(retry).isEqualTo(new RetrySettings(8, Duration.ofMillis(200), Duration.ofSeconds(20), 0.5));
        assertThatThrownBy(env::validate).hasMessageContaining("HTTP_PORT must be between 0 and 65535, not 70000");
    }
}
