package io.zonekeeper.provisioner.aws;

import io.zonekeeper.common.aws.AwsErrors;
import io.zonekeeper.common.retry.Retry;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.DelegationSet;
import software.amazon.awssdk.services.route53.model.DelegationSetAlreadyCreatedException;
import software.amazon.awssdk.services.route53.model.ListReusableDelegationSetsResponse;

/**
 * The reusable delegation set every zone of the installation is created in, so a zone that is reaped and comes
 * back is served by the same four name servers. Otherwise Route53 picks new ones for each zone, while resolvers
 * may keep the parent's old delegation for its whole TTL and send queries to servers that no longer know the
 * zone.
 */
public final class DelegationSets {

    private static final Logger LOG = LoggerFactory.getLogger(DelegationSets.class);

    /** The setting that makes Zonekeeper find, or create once, a set of its own. */
    public static final String AUTO = "auto";
    /** The setting that leaves the choice of name servers to Route53, zone by zone. */
    public static final String NONE = "none";

    private final Route53Client route53;
    private final Retry retry;

    public DelegationSets(Route53Client route53, Retry retry) {
        this.route53 = route53;
        this.retry = retry;
    }

    /**
     * The id of the set new zones go into, as a supplier asked at each zone creation: none; a named set, checked
     * now so a wrong id stops the start; or, for {@code auto}, the installation's own, looked up (or created) at the
     * first zone creation and remembered — a start or a replay that creates no zone costs no call.
     */
    public Supplier<String> forNewZones(String setting, String callerReference) {
        if (setting.equals(NONE)) {
            return () -> null;
        }
        if (!setting.equals(AUTO)) {
            String id = bareId(resolve(setting, callerReference).orElseThrow().id());
            LOG.info("new zones are created in reusable delegation set {}", id);
            return () -> id;
        }
        return new Supplier<>() {
            private String id;

            @Override
            public synchronized String get() {
                if (id == null) {
                    id = bareId(resolve(setting, callerReference).orElseThrow().id());
                    LOG.info("new zones are created in the installation's reusable delegation set {}", id);
                }
                return id;
            }
        };
    }

    private static String bareId(String id) {
        return id.startsWith("/delegationset/") ? id.substring("/delegationset/".length()) : id;
    }

    /**
     * The set named by the setting: none; the one with this id (which must exist); or, for {@code auto}, the one
     * created with {@code callerReference}, created now if there is none. Route53 accepts a CallerReference once,
     * so instances starting together end with the same set.
     */
    Optional<DelegationSet> resolve(String setting, String callerReference) {
        if (setting.equals(NONE)) {
            return Optional.empty();
        }
        if (!setting.equals(AUTO)) {
            return Optional.of(call("GetReusableDelegationSet",
                    () -> route53.getReusableDelegationSet(r -> r.id(setting))).delegationSet());
        }
        Optional<DelegationSet> existing = find(callerReference);
        if (existing.isPresent()) {
            return existing;
        }
        try {
            return Optional.of(call("CreateReusableDelegationSet",
                    () -> route53.createReusableDelegationSet(r -> r.callerReference(callerReference))).delegationSet());
        } catch (DelegationSetAlreadyCreatedException raced) {
            return Optional.of(find(callerReference).orElseThrow(() -> raced));
        }
    }

    private Optional<DelegationSet> find(String callerReference) {
        String marker = null;
        while (true) {
            String from = marker;
            ListReusableDelegationSetsResponse page = call("ListReusableDelegationSets",
                    () -> route53.listReusableDelegationSets(r -> r.marker(from)));
            Optional<DelegationSet> found = page.delegationSets().stream()
                    .filter(set -> callerReference.equals(set.callerReference())).findFirst();
            if (found.isPresent() || !Boolean.TRUE.equals(page.isTruncated())) {
                return found;
            }
            marker = page.nextMarker();
        }
    }

    private <T> T call(String operation, Supplier<T> request) {
        return retry.call("route53 " + operation, AwsErrors::isRetryable, request::get);
    }
}
