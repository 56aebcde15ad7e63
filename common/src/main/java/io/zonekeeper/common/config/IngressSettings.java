package io.zonekeeper.common.config;

import io.zonekeeper.common.kafka.Ingress;
import java.util.List;

/**
 * The topics others write and the by-organization topics the {@link Ingress} moves them into. Every service forwards
 * the lifecycle topic, so that hop runs while any Zonekeeper process does; the cert service, the only reader of cert
 * requests, forwards those too.
 *
 * @param lifecycle     the upstream's lifecycle topic ({@code LIFECYCLE_TOPIC})
 * @param lifecycleByOrg what the services consume instead ({@code LIFECYCLE_BY_ORG_TOPIC})
 * @param requests      the cert requests topic ({@code CERT_REQUESTS_TOPIC})
 * @param requestsByOrg what the cert service consumes instead ({@code CERT_REQUESTS_BY_ORG_TOPIC})
 */
public record IngressSettings(String group, String lifecycle, String lifecycleByOrg, String requests,
                              String requestsByOrg) {

    public static IngressSettings read(EnvReader env) {
        return new IngressSettings(
                TopicSettings.INGRESS_GROUP.read(env),
                TopicSettings.LIFECYCLE.read(env),
                TopicSettings.LIFECYCLE_BY_ORG.read(env),
                TopicSettings.CERT_REQUESTS.read(env),
                TopicSettings.CERT_REQUESTS_BY_ORG.read(env));
    }

    /** The lifecycle topic's route: what the provisioner and the reaper forward. */
    public List<Ingress.Route> lifecycleRoute() {
        return List.of(new Ingress.Route(lifecycle, lifecycleByOrg));
    }

    /** Both routes: what the cert service forwards. */
    public List<Ingress.Route> lifecycleAndRequestRoutes() {
        return List.of(new Ingress.Route(lifecycle, lifecycleByOrg), new Ingress.Route(requests, requestsByOrg));
    }
}
