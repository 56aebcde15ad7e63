package io.zonekeeper.cert;

import io.zonekeeper.cert.model.AuthorityRotation;
import io.zonekeeper.cert.model.KeyAlgorithm;
import io.zonekeeper.cert.model.RenewalPolicy;
import io.zonekeeper.common.config.ConsumerSettings;
import io.zonekeeper.common.config.DomainSetting;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.KubernetesSettings;
import io.zonekeeper.common.config.ServiceSettings;
import io.zonekeeper.common.config.Setting;
import io.zonekeeper.common.config.TopicSettings;
import io.zonekeeper.common.config.VaultSettings;
import io.zonekeeper.common.kafka.TopicNames;
import java.time.Duration;

/** Everything the cert service is configured with, read from the environment in one place. */
public record CertConfig(
        ServiceSettings service,
        ConsumerSettings consumer,
        VaultSettings vault,
        Topics topics,
        String baseDomain,
        String vaultPrefix,
        String secretNamespace,
        String serverSecretName,
        Issuance issuance,
        Duration scheduleEvery,
        Duration kubernetesRequestTimeout) {

    public static final String SERVICE = "cert-service";

    public static final Setting<String> BASE_DOMAIN = DomainSetting.of("BASE_DOMAIN", "certificates name <cluster>.<org>.<BASE_DOMAIN>");
    public static final Setting<String> GROUP = Setting.text("CONSUMER_GROUP", TopicNames.Consumer.CERT.group(),
            "consumer group");
    public static final Setting<Integer> WORKERS = Setting.integer("WORKERS", 8, 1, 512,
            "organizations processed at once per instance");
    public static final Setting<String> TLS_VAULT_PREFIX = Setting.text("TLS_VAULT_PREFIX", "zonekeeper/tls",
            "CAs at <prefix>/<orgId>/ca, certificates at <prefix>/<orgId>/<clusterId>/<name>");
    public static final Setting<String> TLS_SECRET_NAMESPACE = Setting.text("TLS_SECRET_NAMESPACE", "zonekeeper",
            "namespace of the TLS Secrets in each cluster");
    public static final Setting<String> TLS_SECRET_NAME = Setting.text("TLS_SECRET_NAME", "zonekeeper-tls",
            "the cluster certificate's Secret");
    public static final Setting<Duration> CA_VALIDITY = Setting.duration("CA_VALIDITY", "1825d", "a CA's lifetime");
    public static final Setting<Duration> CERT_VALIDITY = Setting.duration("CERT_VALIDITY", "90d",
            "a certificate's lifetime (never beyond its CA's)");
    public static final Setting<Duration> CA_ROTATE_BEFORE = Setting.duration("CA_ROTATE_BEFORE", "30d",
            "a successor CA is staged this long before the CA expires");
    public static final Setting<Duration> CA_TRUST_PROPAGATION = Setting.duration("CA_TRUST_PROPAGATION", "24h",
            "time for clients to load a new ca.crt, between the steps of a rotation");
    public static final Setting<Double> RENEW_AT_FRACTION = Setting.decimal("RENEW_AT_FRACTION", 2.0 / 3, 0.01, 0.99,
            "certificates are renewed after this share of their lifetime");
    public static final Setting<Duration> CERT_BACKDATE = Setting.duration("CERT_BACKDATE", "5m",
            "notBefore is set this far back for clients with slow clocks");
    public static final Setting<Duration> SCHEDULE_EVERY = Setting.duration("SCHEDULE_EVERY", "1m",
            "how often due renewals and rotation steps are looked for, in the service clock's time");
    public static final Setting<String> CA_KEY_ALGORITHM = Setting.text("CA_KEY_ALGORITHM",
            KeyAlgorithm.EC_P256.configName(), "ec-p256, rsa-2048 or rsa-4096");
    public static final Setting<String> CERT_KEY_ALGORITHM = Setting.text("CERT_KEY_ALGORITHM",
            KeyAlgorithm.EC_P256.configName(), "ec-p256, rsa-2048 or rsa-4096");

    /** Topic names; every one is configuration. */
    public record Topics(String lifecycle, String requests, String commands, String orgCommands, String tlsState) {
    }

    /** What certificates look like and when they change. */
    public record Issuance(KeyAlgorithm caAlgorithm, Duration caValidity, KeyAlgorithm certificateAlgorithm,
                           Duration certificateValidity, Duration backdate, RenewalPolicy renewal,
                           AuthorityRotation rotation) {
    }

    public static CertConfig read(EnvReader env) {
        KeyAlgorithm caAlgorithm = algorithm(env, CA_KEY_ALGORITHM);
        KeyAlgorithm certificateAlgorithm = algorithm(env, CERT_KEY_ALGORITHM);
        Duration caValidity = CA_VALIDITY.read(env);
        Duration certificateValidity = CERT_VALIDITY.read(env);
        Duration rotateBefore = CA_ROTATE_BEFORE.read(env);
        Duration trustPropagation = CA_TRUST_PROPAGATION.read(env);
        double renewAt = RENEW_AT_FRACTION.read(env);
        if (caValidity.compareTo(rotateBefore.plus(trustPropagation.multipliedBy(2))) <= 0) {
            env.problem("CA_VALIDITY (" + caValidity + ") must exceed CA_ROTATE_BEFORE plus twice CA_TRUST_PROPAGATION ("
                    + rotateBefore.plus(trustPropagation.multipliedBy(2)) + "), or a new CA would be due for rotation"
                    + " before its own rotation finished");
        }
        ServiceSettings service = ServiceSettings.read(env, SERVICE);
        var config = new CertConfig(
                service,
                ConsumerSettings.read(env, GROUP, WORKERS),
                VaultSettings.read(env),
                new Topics(
                        service.ingress().lifecycleByOrg(),
                        service.ingress().requestsByOrg(),
                        TopicSettings.CERT_COMMANDS.read(env),
                        TopicSettings.ORG_COMMANDS.read(env),
                        TopicSettings.TLS_STATE.read(env)),
                BASE_DOMAIN.read(env),
                TLS_VAULT_PREFIX.read(env),
                TLS_SECRET_NAMESPACE.read(env),
                TLS_SECRET_NAME.read(env),
                new Issuance(caAlgorithm, caValidity, certificateAlgorithm, certificateValidity,
                        CERT_BACKDATE.read(env), new RenewalPolicy(renewAt),
                        new AuthorityRotation(rotateBefore, trustPropagation)),
                SCHEDULE_EVERY.read(env),
                KubernetesSettings.REQUEST_TIMEOUT.read(env));
        env.validate();
        return config;
    }

    private static KeyAlgorithm algorithm(EnvReader env, Setting<String> setting) {
        String raw = setting.read(env);
        try {
            return KeyAlgorithm.parse(raw);
        } catch (IllegalArgumentException e) {
            env.problem(setting.name() + ": " + e.getMessage());
            return KeyAlgorithm.EC_P256;
        }
    }
}
