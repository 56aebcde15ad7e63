package io.zonekeeper.cert;

import io.zonekeeper.cert.model.AuthorityRotation;
import io.zonekeeper.cert.model.KeyAlgorithm;
import io.zonekeeper.cert.model.RenewalPolicy;
import io.zonekeeper.common.config.ConsumerSettings;
import io.zonekeeper.common.config.DomainSetting;
import io.zonekeeper.common.config.EnvReader;
import io.zonekeeper.common.config.ServiceSettings;
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

    /** Topic names; every one is configuration. */
    public record Topics(String lifecycle, String requests, String commands, String orgCommands, String tlsState) {
    }

    /** What certificates look like and when they change. */
    public record Issuance(KeyAlgorithm caAlgorithm, Duration caValidity, KeyAlgorithm certificateAlgorithm,
                           Duration certificateValidity, Duration backdate, RenewalPolicy renewal,
                           AuthorityRotation rotation) {
    }

    public static CertConfig read(EnvReader env) {
        KeyAlgorithm caAlgorithm = algorithm(env, "CA_KEY_ALGORITHM");
        KeyAlgorithm certificateAlgorithm = algorithm(env, "CERT_KEY_ALGORITHM");
        Duration caValidity = env.duration("CA_VALIDITY", Duration.ofDays(5 * 365));
        Duration certificateValidity = env.duration("CERT_VALIDITY", Duration.ofDays(90));
        Duration rotateBefore = env.duration("CA_ROTATE_BEFORE", Duration.ofDays(30));
        Duration trustPropagation = env.duration("CA_TRUST_PROPAGATION", Duration.ofHours(24));
        double renewAt = env.decimal("RENEW_AT_FRACTION", 2.0 / 3, 0.01, 0.99);
        if (caValidity.compareTo(rotateBefore.plus(trustPropagation.multipliedBy(2))) <= 0) {
            env.problem("CA_VALIDITY (" + caValidity + ") must exceed CA_ROTATE_BEFORE plus twice CA_TRUST_PROPAGATION ("
                    + rotateBefore.plus(trustPropagation.multipliedBy(2)) + "), or a new CA would be due for rotation"
                    + " before its own rotation finished");
        }
        ServiceSettings service = ServiceSettings.read(env, SERVICE);
        var config = new CertConfig(
                service,
                ConsumerSettings.read(env, TopicNames.Consumer.CERT.group(), 8),
                VaultSettings.read(env),
                new Topics(
                        service.ingress().lifecycleByOrg(),
                        service.ingress().requestsByOrg(),
                        env.optional("CERT_COMMANDS_TOPIC", TopicNames.CERT_COMMANDS),
                        env.optional("ORG_COMMANDS_TOPIC", TopicNames.ORG_COMMANDS),
                        env.optional("TLS_STATE_TOPIC", TopicNames.CLUSTER_TLS)),
                DomainSetting.required(env, "BASE_DOMAIN"),
                env.optional("TLS_VAULT_PREFIX", "zonekeeper/tls"),
                env.optional("TLS_SECRET_NAMESPACE", "zonekeeper"),
                env.optional("TLS_SECRET_NAME", "zonekeeper-tls"),
                new Issuance(caAlgorithm, caValidity, certificateAlgorithm, certificateValidity,
                        env.duration("CERT_BACKDATE", Duration.ofMinutes(5)), new RenewalPolicy(renewAt),
                        new AuthorityRotation(rotateBefore, trustPropagation)),
                env.duration("SCHEDULE_EVERY", Duration.ofMinutes(1)),
                env.duration("KUBERNETES_REQUEST_TIMEOUT", Duration.ofSeconds(10)));
        env.validate();
        return config;
    }

    private static KeyAlgorithm algorithm(EnvReader env, String name) {
        String raw = env.optional(name, KeyAlgorithm.EC_P256.configName());
        try {
            return KeyAlgorithm.parse(raw);
        } catch (IllegalArgumentException e) {
            env.problem(name + ": " + e.getMessage());
            return KeyAlgorithm.EC_P256;
        }
    }
}
