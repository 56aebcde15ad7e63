package io.zonekeeper.common.kafka;

import io.zonekeeper.common.dlq.Rejections;
import io.zonekeeper.common.events.Identifiers;
import io.zonekeeper.common.events.InvalidEventException;
import io.zonekeeper.common.retry.RejectedRecordException;
import io.zonekeeper.common.serde.SchemaRegistryClient;
import io.zonekeeper.schemas.ResourceType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The front of a service that consumes organization-keyed records: a table of routes, one per topic, each saying how
 * its records are decoded, what they are for the audit, what a tombstone means and what applies them. What every
 * route shares happens here once:
 * <ul>
 *   <li>the record key must be the organization id the record carries, so all of an organization's records share
 *       one partition and are applied in order by one writer;
 *   <li>a record that can never be applied ({@link RejectedRecordException}: undecodable, invalid, a name held by
 *       another owner...) is dead-lettered and audited with its reason, and the partition moves on.
 * </ul>
 * Whatever else a route throws goes to the consumer, which classifies it by its cause chain
 * ({@link io.zonekeeper.common.retry.Failures}): a transient fault pauses the organization, a fatal one stops the
 * consumer.
 */
public final class OrgRecordRouter implements RecordHandler {

    /** What a null value (a tombstone) on a route's topic means. */
    public enum Tombstones {
        /** A producer's mistake on an input nobody compacts: dead-lettered, so it is seen. */
        REJECT,
        /** Nothing to apply: committed without effect. */
        SKIP
    }

    /** Applies one decoded record; {@code orgId} is valid and is the record's key. */
    @FunctionalInterface
    public interface Apply<T> {
        Outcome apply(T value, String orgId, ConsumerRecord<byte[], byte[]> record) throws Exception;
    }

    /**
     * @param resourceType what a rejected record of this topic is, for its audit event
     * @param orgIdOf      the organization id the record carries, checked against the key
     */
    public record Route<T extends SpecificRecord>(String topic, Class<T> type, ResourceType resourceType,
                                                  Function<T, String> orgIdOf, Tombstones tombstones, Apply<T> apply) {
        public Route {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(resourceType, "resourceType");
            Objects.requireNonNull(orgIdOf, "orgIdOf");
            Objects.requireNonNull(tombstones, "tombstones");
            Objects.requireNonNull(apply, "apply");
        }
    }

    private final Map<String, Decoding<?>> routes = new LinkedHashMap<>();
    private final Rejections rejections;

    public OrgRecordRouter(List<Route<?>> routes, SchemaRegistryClient registry, Rejections rejections) {
        for (Route<?> route : routes) {
            if (this.routes.put(route.topic(), Decoding.of(route, registry)) != null) {
                throw new IllegalArgumentException("two routes for topic " + route.topic());
            }
        }
        this.rejections = rejections;
    }

    /** The topics routed, in the order of the table: what the consumer subscribes to. */
    public List<String> topics() {
        return List.copyOf(routes.keySet());
    }

    @Override
    public Outcome handle(ConsumerRecord<byte[], byte[]> record) throws Exception {
        Decoding<?> route = routes.get(record.topic());
        if (route == null) {
            // The consumer subscribes to topics() only: a record from elsewhere is a wiring bug, not bad input.
            throw new IllegalStateException("no route for topic " + record.topic());
        }
        try {
            return route.apply(record);
        } catch (RejectedRecordException e) {
            rejections.reject(record, route.route().resourceType(), e.reason(), e);
            return Outcome.DONE;
        }
    }

    /**
     * Dead-letters and audits a record whose handling failed unexpectedly (the consumer's {@link
     * io.zonekeeper.common.dlq.DeadLetters}), as the rejection of what its topic carries.
     */
    public void rejectUnexpected(ConsumerRecord<byte[], byte[]> record, String reason, Throwable cause) {
        Decoding<?> route = routes.get(record.topic());
        rejections.reject(record, route == null ? ResourceType.LIFECYCLE_EVENT : route.route().resourceType(), reason,
                cause);
    }

    /** A route with its decoder. */
    private record Decoding<T extends SpecificRecord>(Route<T> route, RecordDecoder<T> decoder) {

        static <T extends SpecificRecord> Decoding<T> of(Route<T> route, SchemaRegistryClient registry) {
            return new Decoding<>(route, new RecordDecoder<>(route.type(), registry));
        }

        Outcome apply(ConsumerRecord<byte[], byte[]> record) throws Exception {
            T value = decoder.decode(record);
            if (value == null) {
                if (route.tombstones() == Tombstones.REJECT) {
                    throw new InvalidEventException("tombstone on " + record.topic() + ": nothing to apply");
                }
                return Outcome.DONE;
            }
            String orgId = Identifiers.orgId(route.orgIdOf().apply(value));
            String key = RecordDecoder.keyOf(record);
            if (!orgId.equals(key)) {
                throw new InvalidEventException("record key '" + key + "' is not the organization id '" + orgId
                        + "': keys must be orgId so an organization's records stay in order");
            }
            return route.apply().apply(value, orgId, record);
        }
    }
}
