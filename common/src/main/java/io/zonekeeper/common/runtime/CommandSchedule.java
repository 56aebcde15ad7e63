package io.zonekeeper.common.runtime;

import io.zonekeeper.common.time.ServiceClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work a service decides from its state rather than from a record (certificate renewals, CA rotation steps,
 * ExternalDNS re-rolls), asked of each organization's own writer: a scan looks at the state and issues commands
 * through the organization's partition of a {@link CommandTopic}, so they run in order with its other records.
 * Only the instance owning that partition issues them, so two instances never both ask; a command not yet applied
 * is not asked again within its patience (it may be waiting behind a slow organization), and is asked again after
 * it (its first copy may have been lost in a rebalance). A command that is no longer due when it runs changes
 * nothing, so a duplicate is harmless.
 */
public final class CommandSchedule<C extends SpecificRecord> implements ServiceRuntime.Background {

    private static final Logger LOG = LoggerFactory.getLogger(CommandSchedule.class);

    /** One look at the state, at service-clock time {@code now}, issuing what is due through {@code commands}. */
    @FunctionalInterface
    public interface Scan<C extends SpecificRecord> {
        void scan(Instant now, Issuer<C> commands);
    }

    /** What a scan issues through: the organizations this instance owns as of the scan, and the commands. */
    public static final class Issuer<C extends SpecificRecord> {

        private final CommandSchedule<C> schedule;
        private final Instant now;
        private final int partitions;
        private int issued;

        private Issuer(CommandSchedule<C> schedule, Instant now, int partitions) {
            this.schedule = schedule;
            this.now = now;
            this.partitions = partitions;
        }

        /** Whether this instance issues {@code orgId}'s commands. */
        public boolean owns(String orgId) {
            return schedule.topic.owns(orgId, partitions);
        }

        /** Whether this instance owns the command partition {@code partition} (0 may speak for the whole fleet). */
        public boolean ownsPartition(int partition) {
            return schedule.topic.ownsPartition(partition);
        }

        /**
         * Sends {@code command} for {@code orgId} unless another instance owns the organization or the same work
         * ({@code work}, e.g. "renew/cluster/name") was asked for within the patience; true if sent.
         */
        public boolean issue(String orgId, String work, C command) {
            if (!owns(orgId) || schedule.asked.putIfAbsent(work, now) != null) {
                return false;
            }
            schedule.topic.send(orgId, command).whenComplete((metadata, failure) -> {
                if (failure != null) {
                    LOG.warn("{}: could not issue {} for {}; the next scan asks again", schedule.name, work, orgId,
                            failure);
                    schedule.asked.remove(work);
                }
            });
            issued++;
            return true;
        }
    }

    private final String name;
    private final CommandTopic<C> topic;
    private final ServiceClock clock;
    private final Duration period;
    private final Duration patience;
    private final Scan<C> scan;
    /** Work already asked for, with when. */
    private final Map<String, Instant> asked = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    /**
     * @param period   real time between scans: a clock-time period through {@link ServiceClock#realTime} when the
     *                 work keeps pace with the clock, or real time when it spends a real budget (API requests)
     * @param patience service-clock time a command is given to be applied before it is asked again
     */
    public CommandSchedule(String name, CommandTopic<C> topic, ServiceClock clock, Duration period, Duration patience,
                           Scan<C> scan) {
        this.name = name;
        this.topic = topic;
        this.clock = clock;
        this.period = period;
        this.patience = patience;
        this.scan = scan;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void start() {
        timer.scheduleWithFixedDelay(() -> {
            try {
                scanNow();
            } catch (RuntimeException e) {
                LOG.warn("{}: scan failed; the next one in {} tries again", name, period, e);
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One scan now; returns how many commands it issued (none while this instance owns no command partition). */
    public int scanNow() {
        if (!topic.ownsAny()) {
            return 0;
        }
        Instant now = clock.now();
        asked.values().removeIf(at -> at.plus(patience).isBefore(now));
        Issuer<C> issuer = new Issuer<>(this, now, topic.partitions());
        scan.scan(now, issuer);
        if (issuer.issued > 0) {
            LOG.info("{}: issued {} commands", name, issuer.issued);
        }
        return issuer.issued;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
