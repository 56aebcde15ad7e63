package io.zonekeeper.cert;

import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.common.kafka.StateTopic;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.TlsStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The certificates the service manages, as the compacted {@code cluster.tls.v1} topic holds them: one state per
 * certificate of an organization's cluster, keyed {@code <orgId>/<clusterId>/<certificateName>}, looked up by
 * organization and cluster. States written by releases before the organization was in the key sit under
 * {@code <clusterId>/<certificateName>}; they are read as their organization's (the organization in the state
 * decides, never the key) and moved to the new key when next written.
 */
final class CertificateStates {

    private final StateTopic<ClusterTlsState> topic;

    CertificateStates(StateTopic<ClusterTlsState> topic) {
        this.topic = topic;
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
        topic.all().stream().filter(s -> s.getOrgId().equals(orgId) && s.getClusterId().equals(clusterId))
                .forEach(s -> byName.merge(s.getCertificateName(), s, CertificateStates::newer));
        return byName.values().stream()
                .sorted((a, b) -> Boolean.compare(!a.getCertificateName().equals(CertNaming.SERVER),
                        !b.getCertificateName().equals(CertNaming.SERVER)))
                .toList();
    }

    /** Every issued certificate of the organization. */
    List<ClusterTlsState> ofOrg(String orgId) {
        Map<String, ClusterTlsState> byKey = new LinkedHashMap<>();
        topic.all().stream().filter(s -> s.getOrgId().equals(orgId) && s.getStatus() == TlsStatus.ISSUED)
                .forEach(s -> byKey.merge(keyOf(s), s, CertificateStates::newer));
        return List.copyOf(byKey.values());
    }

    List<ClusterTlsState> ofStatus(TlsStatus status) {
        return topic.all().stream().filter(s -> s.getStatus() == status).toList();
    }

    List<ClusterTlsState> all() {
        return List.copyOf(topic.all());
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

    int size() {
        return topic.size();
    }

    private static boolean sameFacts(ClusterTlsState a, ClusterTlsState b) {
        ClusterTlsState normalized = ClusterTlsState.newBuilder(b).setUpdatedAt(a.getUpdatedAt())
                .setLastEventId(a.getLastEventId()).build();
        return a.equals(normalized);
    }
}
