package io.zonekeeper.cert;

import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.common.kafka.StateTopic;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.TlsStatus;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The certificates the service manages, as the compacted {@code cluster.tls.v1} topic holds them: one state per
 * certificate of an organization's cluster, keyed {@code <orgId>/<clusterId>/<certificateName>}, looked up by
 * organization and cluster. States written by releases before the organization was in the key sit under
 * {@code <clusterId>/<certificateName>}; they are read as their organization's (the organization in the state
 * decides, never the key) and moved to the new key when next written.
 *
 * <p>Nothing here walks the mirror, which holds encoded states (500,000 of them at a large installation): the keys
 * are sorted, so a cluster's or an organization's states are a key range; the few legacy keys are indexed by
 * organization; the certificates due for attention are indexed by when; and the gauges (issued certificates, the
 * earliest expiry) are kept as running figures as states change.
 */
final class CertificateStates {

    private final StateTopic<ClusterTlsState> topic;
    /** Legacy keys by the organization their state names. */
    private final Map<String, Set<String>> legacyKeys = new ConcurrentHashMap<>();
    /**
     * How many issued certificates expire in each minute (epoch minutes): the earliest is the gauge. By the minute,
     * so the figure holds at most one entry per minute of a certificate's validity, not one per certificate.
     */
    private final NavigableMap<Long, Integer> issuedExpiries = new TreeMap<>();
    private final AtomicLong issued = new AtomicLong();
    /** Issued certificates by when they next need attention (renewal, or their authority's next step). */
    private final NavigableSet<Due> due = new ConcurrentSkipListSet<>(Comparator.comparingLong(Due::at)
            .thenComparing(Due::key));

    /** A certificate's state, under {@code key}, needs attention from {@code at} (epoch milliseconds). */
    private record Due(long at, String key) {
    }

    CertificateStates(StateTopic<ClusterTlsState> topic) {
        this.topic = topic;
        topic.listen(this::changed);
    }

    private void changed(String key, ClusterTlsState before, ClusterTlsState after) {
        if (before != null) {
            count(before, -1);
            dueAt(before).ifPresent(at -> due.remove(new Due(at, key)));
        }
        if (after != null) {
            count(after, 1);
            dueAt(after).ifPresent(at -> due.add(new Due(at, key)));
        }
        if (CertNaming.isLegacyStateKey(key)) {
            if (before != null) {
                legacyKeys.computeIfPresent(before.getOrgId(), (org, keys) -> {
                    keys.remove(key);
                    return keys.isEmpty() ? null : keys;
                });
            }
            if (after != null) {
                legacyKeys.computeIfAbsent(after.getOrgId(), org -> ConcurrentHashMap.newKeySet()).add(key);
            }
        }
    }

    private void count(ClusterTlsState state, int delta) {
        if (state.getStatus() != TlsStatus.ISSUED) {
            return;
        }
        issued.addAndGet(delta);
        if (state.getNotAfter() != null) {
            synchronized (issuedExpiries) {
                issuedExpiries.merge(state.getNotAfter().getEpochSecond() / 60, delta,
                        (a, b) -> a + b == 0 ? null : a + b);
            }
        }
    }

    /**
     * When an issued certificate next needs the schedule: its renewal point while its cluster runs, or its
     * authority's next step, whichever comes first. Nothing for a certificate not issued.
     */
    private static Optional<Long> dueAt(ClusterTlsState state) {
        if (state.getStatus() != TlsStatus.ISSUED) {
            return Optional.empty();
        }
        Optional<Instant> renewal = Optional.ofNullable(state.getClusterRunning() ? state.getRenewAt() : null);
        return Stream.concat(renewal.stream(), Stream.ofNullable(state.getCaNextStepAt()))
                .map(Instant::toEpochMilli).min(Long::compare);
    }

    /** How many certificates are issued now. */
    long issuedCount() {
        return issued.get();
    }

    /**
     * When the first issued certificate expires, to the minute and never later (the start of its minute); empty
     * when none is issued.
     */
    Optional<Instant> earliestExpiry() {
        synchronized (issuedExpiries) {
            return issuedExpiries.isEmpty() ? Optional.empty()
                    : Optional.of(Instant.ofEpochSecond(issuedExpiries.firstKey() * 60));
        }
    }

    static String keyOf(ClusterTlsState state) {
        return CertNaming.stateKey(state.getOrgId(), state.getClusterId(), state.getCertificateName());
    }

    Optional<ClusterTlsState> get(String orgId, String clusterId, String certificateName) {
        return topic.get(CertNaming.stateKey(orgId, clusterId, certificateName))
                .or(() -> legacy(orgId, clusterId, certificateName));
    }

    /** Every certificate of the organization's cluster, the cluster's own first. */
    List<ClusterTlsState> ofCluster(String orgId, String clusterId) {
        Map<String, ClusterTlsState> byName = new LinkedHashMap<>();
        Stream.concat(topic.withPrefix(CertNaming.stateKey(orgId, clusterId, "")).stream(),
                        legacyOf(orgId).stream().filter(s -> s.getClusterId().equals(clusterId)))
                .filter(s -> s.getOrgId().equals(orgId) && s.getClusterId().equals(clusterId))
                .forEach(s -> byName.merge(s.getCertificateName(), s, CertificateStates::newer));
        return byName.values().stream()
                .sorted((a, b) -> Boolean.compare(!a.getCertificateName().equals(CertNaming.SERVER),
                        !b.getCertificateName().equals(CertNaming.SERVER)))
                .toList();
    }

    /** Every issued certificate of the organization. */
    List<ClusterTlsState> ofOrg(String orgId) {
        Map<String, ClusterTlsState> byKey = new LinkedHashMap<>();
        Stream.concat(topic.withPrefix(orgId + "/").stream(), legacyOf(orgId).stream())
                .filter(s -> s.getOrgId().equals(orgId) && s.getStatus() == TlsStatus.ISSUED)
                .forEach(s -> byKey.merge(keyOf(s), s, CertificateStates::newer));
        return List.copyOf(byKey.values());
    }

    /**
     * The issued certificates whose renewal point or authority's next step has come by {@code now}, earliest
     * first: the renewal scan reads these, never the whole mirror.
     */
    List<ClusterTlsState> dueBy(Instant now) {
        return due.headSet(new Due(now.toEpochMilli() + 1, ""), false).stream()
                .map(d -> topic.get(d.key())).flatMap(Optional::stream).toList();
    }

    private List<ClusterTlsState> legacyOf(String orgId) {
        return legacyKeys.getOrDefault(orgId, Set.of()).stream().map(topic::get).flatMap(Optional::stream).toList();
    }

    /**
     * Publishes unless the state equals the current one in everything but its timestamp and cause. A state still
     * under its legacy key is moved: published under the new key, then the legacy key tombstoned.
     */
    void publishIfChanged(ClusterTlsState state) {
        Optional<ClusterTlsState> legacy = legacy(state.getOrgId(), state.getClusterId(), state.getCertificateName());
        Optional<ClusterTlsState> current = topic.get(keyOf(state)).or(() -> legacy);
        if (current.isEmpty() || !sameFacts(current.get(), state) || legacy.isPresent()) {
            topic.publish(state);
        }
        legacy.ifPresent(old -> topic.forget(CertNaming.legacyStateKey(old.getClusterId(), old.getCertificateName())));
    }

    /** Tombstones the organization's state of the certificate, under either key. */
    void forget(String orgId, String clusterId, String certificateName) {
        if (topic.get(CertNaming.stateKey(orgId, clusterId, certificateName)).isPresent()) {
            topic.forget(CertNaming.stateKey(orgId, clusterId, certificateName));
        }
        if (legacy(orgId, clusterId, certificateName).isPresent()) {
            topic.forget(CertNaming.legacyStateKey(clusterId, certificateName));
        }
    }

    /** The state under the legacy key, when it is this organization's: the state's organization decides. */
    private Optional<ClusterTlsState> legacy(String orgId, String clusterId, String certificateName) {
        return topic.get(CertNaming.legacyStateKey(clusterId, certificateName)).filter(s -> s.getOrgId().equals(orgId));
    }

    private static ClusterTlsState newer(ClusterTlsState a, ClusterTlsState b) {
        return b.getUpdatedAt().isAfter(a.getUpdatedAt()) ? b : a;
    }

    private static boolean sameFacts(ClusterTlsState a, ClusterTlsState b) {
        ClusterTlsState normalized = ClusterTlsState.newBuilder(b).setUpdatedAt(a.getUpdatedAt())
                .setLastEventId(a.getLastEventId()).build();
        return a.equals(normalized);
    }
}
