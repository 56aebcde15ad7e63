package io.zonekeeper.cert;

import io.zonekeeper.cert.model.CertNaming;
import io.zonekeeper.common.audit.AuditPublisher;
import io.zonekeeper.common.audit.AuditTrail;
import io.zonekeeper.common.dlq.DeadLetterPublisher;
import io.zonekeeper.common.dlq.Rejections;
import io.zonekeeper.common.events.Identifiers;
import io.zonekeeper.common.events.InvalidEventException;
import io.zonekeeper.common.kafka.RecordDecoder;
import io.zonekeeper.common.kafka.RecordHandler;
import io.zonekeeper.common.kafka.UndecodableRecordException;
import io.zonekeeper.common.kubernetes.KubeconfigUnusableException;
import io.zonekeeper.schemas.CertCommand;
import io.zonekeeper.schemas.CertificateRequest;
import io.zonekeeper.schemas.ClusterLifecycleEvent;
import io.zonekeeper.schemas.ClusterStatus;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.OrgAction;
import io.zonekeeper.schemas.OrgCommand;
import io.zonekeeper.schemas.ResourceType;
import io.zonekeeper.schemas.TlsStatus;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates lifecycle events, certificate requests and commands of one organization at a time (the consumer
 * guarantees that) and hands them to the {@link CertReconciler}; dead-letters what can never be applied and lets
 * transient faults propagate so only the organization waits.
 */
final class CertHandler implements RecordHandler {

    private static final Logger LOG = LoggerFactory.getLogger(CertHandler.class);

    private final CertConfig.Topics topics;
    private final RecordDecoder<ClusterLifecycleEvent> lifecycleDecoder;
    private final RecordDecoder<CertificateRequest> requestDecoder;
    private final RecordDecoder<CertCommand> commandDecoder;
    private final RecordDecoder<OrgCommand> orgCommandDecoder;
    private final CertNaming naming;
    private final CertificateStates states;
    private final CertReconciler reconciler;
    private final AuditPublisher audit;
    private final Rejections rejections;

    CertHandler(CertConfig.Topics topics, RecordDecoder<ClusterLifecycleEvent> lifecycleDecoder,
                RecordDecoder<CertificateRequest> requestDecoder, RecordDecoder<CertCommand> commandDecoder,
                RecordDecoder<OrgCommand> orgCommandDecoder, CertNaming naming, CertificateStates states, CertReconciler reconciler, AuditPublisher audit,
                DeadLetterPublisher deadLetters) {
        this.topics = topics;
        this.lifecycleDecoder = lifecycleDecoder;
        this.requestDecoder = requestDecoder;
        this.commandDecoder = commandDecoder;
        this.orgCommandDecoder = orgCommandDecoder;
        this.naming = naming;
        this.states = states;
        this.reconciler = reconciler;
        this.audit = audit;
        this.rejections = new Rejections(deadLetters, audit);
    }

    @Override
    public Outcome handle(ConsumerRecord<byte[], byte[]> record) {
        try {
            if (record.topic().equals(topics.requests())) {
                handleRequest(record);
            } else if (record.topic().equals(topics.commands())) {
                handleCommand(record);
            } else if (record.topic().equals(topics.orgCommands())) {
                handleOrgCommand(record);
            } else {
                handleLifecycle(record);
            }
        } catch (UndecodableRecordException e) {
            reject(record, "undecodable record: " + e.reason(), e);
        } catch (InvalidEventException | KubeconfigUnusableException e) {
            reject(record, e.getMessage(), e);
        }
        // Anything else goes to the consumer, which classifies it by its cause chain (Failures): a dependency's
        // transient fault pauses the key, never dead-letters.
        return Outcome.DONE;
    }

    private void handleLifecycle(ConsumerRecord<byte[], byte[]> record) {
        ClusterLifecycleEvent event = lifecycleDecoder.decode(record);
        if (event == null) {
            throw new InvalidEventException("tombstone on the lifecycle topic: nothing to apply");
        }
        String orgId = orgIdMatchingKey(event.getOrgId(), record);
        var org = new OrgAuthorities.Org(orgId, Identifiers.orgName(event.getOrgName()));
        String clusterId = Identifiers.clusterId(event.getClusterId());
        String clusterName = Identifiers.clusterName(event.getClusterName());
        AuditTrail trail = new AuditTrail(audit, event.getEventId().toString(), orgId, clusterId);
        ClusterStatus status = event.getStatus();
        if (status == ClusterStatus.PROVISIONING || status == ClusterStatus.RUNNING) {
            reconciler.clusterRunning(new CertReconciler.Cluster(org, clusterId, clusterName,
                    Identifiers.vaultPath(event.getKubeconfigVaultPath())), event.getEventId(), trail);
        } else if (status == ClusterStatus.DELETED) {
            reconciler.clusterDeleted(new CertReconciler.Cluster(org, clusterId, clusterName,
                    Identifiers.vaultPath(event.getKubeconfigVaultPath())), trail);
        } else {
            reconciler.clusterIdle(clusterId, event.getEventId());
        }
        trail.awaitDurable();
    }

    private void handleRequest(ConsumerRecord<byte[], byte[]> record) {
        CertificateRequest request = requestDecoder.decode(record);
        if (request == null) {
            throw new InvalidEventException("tombstone on the request topic: nothing to apply");
        }
        String orgId = orgIdMatchingKey(request.getOrgId(), record);
        String clusterId = Identifiers.clusterId(request.getClusterId());
        String certificateName = CertNaming.requestedCertificateName(request.getCertificateName());
        ClusterTlsState cluster = states.get(clusterId, CertNaming.SERVER)
                .filter(s -> s.getOrgId().equals(orgId) && s.getStatus() == TlsStatus.ISSUED)
                .orElseThrow(() -> new InvalidEventException("cluster '" + clusterId + "' is not a cluster of"
                        + " organization '" + orgId + "' with a certificate: request names for running clusters only"));
        var names = naming.requestedNames(cluster.getOrgName(), request.getDnsNames().stream()
                .map(CharSequence::toString).toList());
        AuditTrail trail = new AuditTrail(audit, request.getRequestId().toString(), orgId, clusterId);
        reconciler.requested(cluster, certificateName, names, request.getRequestId(), trail);
        trail.awaitDurable();
    }

    private void handleCommand(ConsumerRecord<byte[], byte[]> record) {
        CertCommand command = commandDecoder.decode(record);
        if (command == null) {
            return;
        }
        String orgId = orgIdMatchingKey(command.getOrgId(), record);
        AuditTrail trail = new AuditTrail(audit, command.getCommandId().toString(), orgId, command.getClusterId());
        switch (command.getAction()) {
            case RENEW -> {
                if (command.getClusterId() == null || command.getCertificateName() == null) {
                    throw new InvalidEventException("a RENEW command names a cluster and a certificate");
                }
                reconciler.renew(orgId, Identifiers.clusterId(command.getClusterId()), command.getCertificateName(),
                        command.getCommandId(), trail);
            }
            case ROTATE_CA -> {
                LOG.info("CA rotation of {} requested by {}: {}", orgId, command.getIssuedBy(), command.getReason());
                reconciler.rotateNow(orgId, command.getCommandId(), trail);
            }
            case ADVANCE_CA_ROTATION -> reconciler.advanceRotation(orgId, command.getCommandId(), trail);
            default -> throw new InvalidEventException("command action " + command.getAction()
                    + " is unknown to this version of the cert service");
        }
        trail.awaitDurable();
    }

    private void handleOrgCommand(ConsumerRecord<byte[], byte[]> record) {
        OrgCommand command = orgCommandDecoder.decode(record);
        if (command == null) {
            return;
        }
        String orgId = orgIdMatchingKey(command.getOrgId(), record);
        if (command.getAction() == OrgAction.ROLL_EXTERNAL_DNS) {
            // The provisioner's own command on the shared topic: nothing of the cert service's to do.
            return;
        }
        if (command.getAction() != OrgAction.RECONCILE) {
            throw new InvalidEventException("command action " + command.getAction() + " is unknown to this version");
        }
        AuditTrail trail = new AuditTrail(audit, command.getCommandId().toString(), orgId, null);
        LOG.info("reconciling the certificates of {} on request of {}", orgId, command.getIssuedBy());
        reconciler.reconcile(orgId, command.getCommandId(), trail);
        trail.awaitDurable();
    }

    private static String orgIdMatchingKey(String raw, ConsumerRecord<byte[], byte[]> record) {
        String orgId = Identifiers.orgId(raw);
        if (!orgId.equals(keyOf(record))) {
            throw new InvalidEventException("record key '" + keyOf(record) + "' is not the organization id '" + orgId
                    + "': keys must be orgId so an organization's records stay in order");
        }
        return orgId;
    }

    private void reject(ConsumerRecord<byte[], byte[]> record, String reason, Exception cause) {
        ResourceType type = record.topic().equals(topics.requests()) ? ResourceType.CERTIFICATE_REQUEST
                : record.topic().equals(topics.commands()) || record.topic().equals(topics.orgCommands())
                ? ResourceType.CERTIFICATE_AUTHORITY
                : ResourceType.LIFECYCLE_EVENT;
        rejections.reject(record, type, reason, cause);
    }

    private static String keyOf(ConsumerRecord<byte[], byte[]> record) {
        return RecordDecoder.keyOf(record);
    }
}
