package io.zonekeeper.cert;

import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.common.kafka.StateTopic;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.TlsStatus;
import java.util.List;
import java.util.Optional;

/**
 * The certificates the service manages, as the compacted {@code cluster.tls.v1} topic holds them: one state per
 * certificate of a cluster, looked up by cluster and by organization.
 */
final class CertificateStates {

    private final StateTopic<ClusterTlsState> topic;

    CertificateStates(StateTopic<ClusterTlsState> topic) {
        this.topic = topic;
    }

    static String keyOf(ClusterTlsState state) {
        return CertNaming.stateKey(state.getClusterId(), state.getCertificateName());
    }

    Optional<ClusterTlsState> get(String clusterId, String certificateName) {
        return topic.get(CertNaming.stateKey(clusterId, certificateName));
    }

    /** Every certificate of the cluster, the cluster's own first. */
    List<ClusterTlsState> ofCluster(String clusterId) {
        return topic.all().stream().filter(s -> s.getClusterId().equals(clusterId))
                .sorted((a, b) -> Boolean.compare(!a.getCertificateName().equals(CertNaming.SERVER),
                        !b.getCertificateName().equals(CertNaming.SERVER)))
                .toList();
    }

    /** Every issued certificate of the organization. */
    List<ClusterTlsState> ofOrg(String orgId) {
        return topic.all().stream().filter(s -> s.getOrgId().equals(orgId) && s.getStatus() == TlsStatus.ISSUED)
                .toList();
    }

    List<ClusterTlsState> ofStatus(TlsStatus status) {
        return topic.all().stream().filter(s -> s.getStatus() == status).toList();
    }

    List<ClusterTlsState> all() {
        return List.copyOf(topic.all());
    }

    /** Publishes unless the state equals the current one in everything but its timestamp and cause. */
    void publishIfChanged(ClusterTlsState state) {
        Optional<ClusterTlsState> current = topic.get(keyOf(state));
        if (current.isPresent() && sameFacts(current.get(), state)) {
            return;
        }
        topic.publish(state);
    }

    void forget(String clusterId, String certificateName) {
        topic.forget(CertNaming.stateKey(clusterId, certificateName));
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
