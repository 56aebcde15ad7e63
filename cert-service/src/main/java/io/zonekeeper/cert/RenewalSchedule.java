package io.zonekeeper.cert;

import io.zonekeeper.common.runtime.CommandSchedule;
import io.zonekeeper.schemas.CertAction;
import io.zonekeeper.schemas.CertCommand;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.TlsStatus;
import java.time.Instant;
import java.util.UUID;

/**
 * The certificates' side of the service's {@link CommandSchedule}: renewals and CA rotation steps that are due, as
 * commands on the organization's partition of the commands topic, so they run in order with its lifecycle events,
 * by the one instance that owns it.
 */
final class RenewalSchedule implements CommandSchedule.Scan<CertCommand> {

    private final CertificateStates states;
    private final String issuedBy;

    /** @param issuedBy who the commands say issued them */
    RenewalSchedule(CertificateStates states, String issuedBy) {
        this.states = states;
        this.issuedBy = issuedBy;
    }

    @Override
    public void scan(Instant now, CommandSchedule.Issuer<CertCommand> commands) {
        for (ClusterTlsState state : states.dueBy(now)) {
            if (state.getStatus() != TlsStatus.ISSUED || !commands.owns(state.getOrgId())) {
                continue;
            }
            if (state.getClusterRunning() && state.getRenewAt() != null && !now.isBefore(state.getRenewAt())) {
                commands.issue(state.getOrgId(), "renew/" + CertificateStates.keyOf(state), command(state.getOrgId(),
                        CertAction.RENEW, state.getClusterId(), state.getCertificateName(),
                        "renewal point " + state.getRenewAt() + " reached", now));
            }
            if (state.getCaNextStepAt() != null && !now.isBefore(state.getCaNextStepAt())) {
                commands.issue(state.getOrgId(), "ca/" + state.getOrgId(), command(state.getOrgId(),
                        CertAction.ADVANCE_CA_ROTATION, null, null,
                        "CA rotation step due at " + state.getCaNextStepAt(), now));
            }
        }
    }

    private CertCommand command(String orgId, CertAction action, String clusterId, String certificateName,
                                String reason, Instant now) {
        return CertCommand.newBuilder()
                .setCommandId(UUID.randomUUID())
                .setIssuedAt(now)
                .setIssuedBy(issuedBy)
                .setOrgId(orgId)
                .setAction(action)
                .setClusterId(clusterId)
                .setCertificateName(certificateName)
                .setReason(reason)
                .build();
    }
}
