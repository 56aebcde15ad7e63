package io.zonekeeper.cert;

import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.events.Identifiers;
import io.zonekeeper.common.events.InvalidEventException;
import io.zonekeeper.common.events.LifecycleEventRules;
import io.zonekeeper.common.events.Org;
import io.zonekeeper.common.kafka.OrgRecordRouter;
import io.zonekeeper.common.kafka.OrgRecordRouter.Tombstones;
import io.zonekeeper.common.kafka.RecordHandler.Outcome;
import io.zonekeeper.common.kubernetes.ClusterRef;
import io.zonekeeper.common.runtime.Reconciled;
import io.zonekeeper.schemas.CertCommand;
import io.zonekeeper.schemas.CertificateRequest;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.OrgAction;
import io.zonekeeper.schemas.OrgCommand;
import io.zonekeeper.schemas.ResourceType;
import io.zonekeeper.schemas.TlsStatus;
import java.time.Clock;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates lifecycle events, certificate requests and commands of one organization at a time (the consumer
 * guarantees that) and hands them to the {@link CertReconciler}. Its routes are a table ({@link #routes}); the router
 * checks keys, decodes and dead-letters what can never be applied, and transient faults propagate so only the
 * organization waits.
 */
final class CertHandler {

    private static final Logger LOG = LoggerFactory.getLogger(CertHandler.class);

    private final CertConfig.Topics topics;
    private final CertNaming naming;
    private final CertificateStates states;
    private final CertReconciler reconciler;
    private final AuditPublisher audit;
    private final LifecycleEventRules rules;
    private final Clock clock;

    CertHandler(CertConfig.Topics topics, CertNaming naming, CertificateStates states, CertReconciler reconciler,
                AuditPublisher audit, LifecycleEventRules rules, Clock clock) {
        this.rules = rules;
        this.clock = clock;
        this.topics = topics;
        this.naming = naming;
        this.states = states;
        this.reconciler = reconciler;
        this.audit = audit;
    }

    /**
     * What the cert service consumes. A tombstone is a producer's mistake on the lifecycle and request topics
     * (dead-lettered, so it is seen) and nothing to apply on the command topics, which an operator may clean up by key.
     */
    List<OrgRecordRouter.Route<?>> routes() {
        return List.of(
                new OrgRecordRouter.Route<>(topics.lifecycle(), ClusterLifecycleEvent.class,
                        ResourceType.LIFECYCLE_EVENT, ClusterLifecycleEvent::getOrgId, Tombstones.REJECT,
                        this::lifecycle),
                new OrgRecordRouter.Route<>(topics.requests(), CertificateRequest.class,
                        ResourceType.CERTIFICATE_REQUEST, CertificateRequest::getOrgId, Tombstones.REJECT,
                        this::request),
                new OrgRecordRouter.Route<>(topics.commands(), CertCommand.class, ResourceType.CERTIFICATE_AUTHORITY,
                        CertCommand::getOrgId, Tombstones.SKIP, this::command),
                new OrgRecordRouter.Route<>(topics.orgCommands(), OrgCommand.class,
                        ResourceType.CERTIFICATE_AUTHORITY, OrgCommand::getOrgId, Tombstones.SKIP, this::orgCommand));
    }

    private Outcome lifecycle(ClusterLifecycleEvent event, String orgId, ConsumerRecord<byte[], byte[]> record) {
        rules.check(orgId, event, clock);
        var org = new Org(orgId, Identifiers.orgName(event.getOrgName()));
        String clusterId = Identifiers.clusterId(event.getClusterId());
        String clusterName = Identifiers.clusterName(event.getClusterName());
        AuditTrail trail = new AuditTrail(audit, event.getEventId().toString(), orgId, clusterId);
        var cluster = new CertReconciler.Cluster(org, clusterId, clusterName,
                Identifiers.vaultPath(event.getKubeconfigVaultPath()));
        Reconciled<ClusterTlsState> next = switch (event.getStatus()) {
            case PROVISIONING, RUNNING -> reconciler.clusterRunning(cluster, event.getEventId(), trail);
            case DELETED -> reconciler.clusterDeleted(cluster, trail);
            // STOPPED, ERROR, or a status this version does not know.
            default -> reconciler.clusterIdle(cluster.ref(), event.getEventId());
        };
        next.complete(trail, states::publishIfChanged);
        return Outcome.DONE;
    }

    private Outcome request(CertificateRequest request, String orgId, ConsumerRecord<byte[], byte[]> record) {
        String clusterId = Identifiers.clusterId(request.getClusterId());
        String certificateName = CertNaming.requestedCertificateName(request.getCertificateName());
        ClusterTlsState cluster = states.get(orgId, clusterId, CertNaming.SERVER)
                .filter(s -> s.getStatus() == TlsStatus.ISSUED)
                .orElseGet(() -> {
                    // Say whose it is when it is another organization's; otherwise that it is not known here.
                    reconciler.refuseIfAnothers(new ClusterRef(orgId, clusterId, null));
                    throw new InvalidEventException("cluster '" + clusterId + "' is not a cluster of organization '"
                            + orgId + "' with a certificate: request names for running clusters only");
                });
        var names = naming.requestedNames(cluster.getOrgName(), request.getDnsNames().stream()
                .map(CharSequence::toString).toList());
        AuditTrail trail = new AuditTrail(audit, request.getRequestId().toString(), orgId, clusterId);
        reconciler.requested(cluster, certificateName, names, request.getRequestId(), trail)
                .complete(trail, states::publishIfChanged);
        return Outcome.DONE;
    }

    private Outcome command(CertCommand command, String orgId, ConsumerRecord<byte[], byte[]> record) {
        AuditTrail trail = new AuditTrail(audit, command.getCommandId().toString(), orgId, command.getClusterId());
        Reconciled<ClusterTlsState> next = switch (command.getAction()) {
            case RENEW -> {
                if (command.getClusterId() == null || command.getCertificateName() == null) {
                    throw new InvalidEventException("a RENEW command names a cluster and a certificate");
                }
                yield reconciler.renew(orgId, Identifiers.clusterId(command.getClusterId()),
                        command.getCertificateName(), command.getCommandId(), trail);
            }
            case ROTATE_CA -> {
                LOG.info("CA rotation of {} requested by {}: {}", orgId, command.getIssuedBy(), command.getReason());
                yield reconciler.rotateNow(orgId, command.getCommandId(), trail);
            }
            case ADVANCE_CA_ROTATION -> reconciler.advanceRotation(orgId, command.getCommandId(), trail);
            default -> throw new InvalidEventException("command action " + command.getAction()
                    + " is unknown to this version of the cert service");
        };
        next.complete(trail, states::publishIfChanged);
        return Outcome.DONE;
    }

    private Outcome orgCommand(OrgCommand command, String orgId, ConsumerRecord<byte[], byte[]> record) {
        if (command.getAction() == OrgAction.ROLL_EXTERNAL_DNS) {
            // The provisioner's own command on the shared topic: nothing of the cert service's to do.
            return Outcome.DONE;
        }
        if (command.getAction() != OrgAction.RECONCILE) {
            throw new InvalidEventException("command action " + command.getAction() + " is unknown to this version");
        }
        AuditTrail trail = new AuditTrail(audit, command.getCommandId().toString(), orgId, null);
        LOG.info("reconciling the certificates of {} on request of {}", orgId, command.getIssuedBy());
        reconciler.reconcile(orgId, command.getCommandId(), trail).complete(trail, states::publishIfChanged);
        return Outcome.DONE;
    }
}
