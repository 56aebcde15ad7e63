package io.zonekeeper.cert;

import io.zonekeeper.common.config.ServiceIdentity;
import io.zonekeeper.common.kafka.OrgPartitions;
import io.zonekeeper.common.serde.AvroSerializer;
import io.zonekeeper.common.time.ServiceClock;
import io.zonekeeper.schemas.CertAction;
import io.zonekeeper.schemas.CertCommand;
import io.zonekeeper.schemas.ClusterTlsState;
import io.zonekeeper.schemas.TlsStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wall-clock side of the service: scans the certificate states and issues commands for renewals and CA
 * rotation steps that are due. Commands go through the organization's partition of the commands topic, so they
 * run in order with its lifecycle events, by the one instance that owns it; only that instance issues them.
 * A command that is no longer due when it runs changes nothing, so a duplicate from a rebalance is harmless.
 */
final class RenewalSchedule implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RenewalSchedule.class);

    private final CertificateStates states;
    private final Supplier<Set<TopicPartition>> owned;
    private final String commandsTopic;
    private final Producer<byte[], byte[]> producer;
    private final AvroSerializer<CertCommand> serializer;
    private final ServiceIdentity identity;
    private final ServiceClock clock;
    /** Clock time between scans; the timer runs on real time at {@link ServiceClock#realTime} of it. */
    private final Duration every;
    /** Work already asked for, so a command waiting behind a slow organization is not issued again every scan. */
    private final Map<String, Instant> issued = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "renewal-schedule");
        thread.setDaemon(true);
        return thread;
    });

    RenewalSchedule(CertificateStates states, Supplier<Set<TopicPartition>> owned, String commandsTopic,
                    Producer<byte[], byte[]> producer, AvroSerializer<CertCommand> serializer, ServiceIdentity identity,
                    ServiceClock clock, Duration every) {
        this.states = states;
        this.owned = owned;
        this.commandsTopic = commandsTopic;
        this.producer = producer;
        this.serializer = serializer;
        this.identity = identity;
        this.clock = clock;
        this.every = every;
    }

    RenewalSchedule start() {
        long period = clock.realTime(every).toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                scan();
            } catch (RuntimeException e) {
                LOG.warn("renewal scan failed; next one in {}", every, e);
            }
        }, period, period, TimeUnit.MILLISECONDS);
        return this;
    }

    /** One scan; returns how many commands it issued. */
    int scan() {
        Instant now = clock.now();
        Set<Integer> partitions = owned.get().stream().filter(tp -> tp.topic().equals(commandsTopic))
                .map(TopicPartition::partition).collect(Collectors.toSet());
        if (partitions.isEmpty()) {
            return 0;
        }
        int partitionCount = producer.partitionsFor(commandsTopic).size();
        // A command still unprocessed after this long is issued again (its first copy may have been lost in a
        // rebalance); until then one is enough.
        Instant reissueBefore = now.minus(every.multipliedBy(10));
        issued.values().removeIf(at -> at.isBefore(reissueBefore));
        int sent = 0;
        for (ClusterTlsState state : states.all()) {
            if (state.getStatus() != TlsStatus.ISSUED
                    || !partitions.contains(OrgPartitions.of(state.getOrgId(), partitionCount))) {
                continue;
            }
            if (state.getClusterRunning() && state.getRenewAt() != null && !now.isBefore(state.getRenewAt())
                    && issued.putIfAbsent("renew/" + CertificateStates.keyOf(state), now) == null) {
                send(command(state.getOrgId(), CertAction.RENEW, state.getClusterId(), state.getCertificateName(),
                        "renewal point " + state.getRenewAt() + " reached", now));
                sent++;
            }
            if (state.getCaNextStepAt() != null && !now.isBefore(state.getCaNextStepAt())
                    && issued.putIfAbsent("ca/" + state.getOrgId(), now) == null) {
                send(command(state.getOrgId(), CertAction.ADVANCE_CA_ROTATION, null, null,
                        "CA rotation step due at " + state.getCaNextStepAt(), now));
                sent++;
            }
        }
        if (sent > 0) {
            LOG.info("issued {} renewal and rotation commands", sent);
        }
        return sent;
    }

    private CertCommand command(String orgId, CertAction action, String clusterId, String certificateName,
                                String reason, Instant now) {
        return CertCommand.newBuilder()
                .setCommandId(UUID.randomUUID())
                .setIssuedAt(now)
                .setIssuedBy(identity.service() + "/" + identity.instance())
                .setOrgId(orgId)
                .setAction(action)
                .setClusterId(clusterId)
                .setCertificateName(certificateName)
                .setReason(reason)
                .build();
    }

    private void send(CertCommand command) {
        producer.send(new ProducerRecord<>(commandsTopic, command.getOrgId().getBytes(StandardCharsets.UTF_8),
                serializer.serialize(commandsTopic, command)), (metadata, failure) -> {
                    if (failure != null) {
                        LOG.warn("could not issue {} for {}; the next scan retries", command.getAction(),
                                command.getOrgId(), failure);
                        issued.remove(command.getAction() == CertAction.RENEW
                                ? "renew/" + command.getClusterId() + "/" + command.getCertificateName()
                                : "ca/" + command.getOrgId());
                    }
                });
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
