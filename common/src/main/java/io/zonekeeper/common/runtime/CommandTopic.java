package io.zonekeeper.common.runtime;

import io.zonekeeper.common.kafka.ConsumerProgress;
import io.zonekeeper.common.kafka.OrgPartitions;
import io.zonekeeper.common.serde.AvroSerializer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * A topic of commands a service sends itself, keyed by orgId: a command lands on its organization's partition and
 * runs in order with the organization's other records, by the instance that owns that partition. That instance is
 * the only one that should ask, so this also says which organizations this instance owns.
 */
public final class CommandTopic<C extends SpecificRecord> {

    private final String topic;
    private final Producer<byte[], byte[]> producer;
    private final AvroSerializer<C> serializer;
    private final ConsumerProgress progress;

    CommandTopic(String topic, Producer<byte[], byte[]> producer, AvroSerializer<C> serializer,
                 ConsumerProgress progress) {
        this.topic = topic;
        this.producer = producer;
        this.serializer = serializer;
        this.progress = progress;
    }

    /** How many partitions it has, from the producer's metadata. */
    public int partitions() {
        return producer.partitionsFor(topic).size();
    }

    /** Whether this instance owns the partition {@code orgId}'s commands land on, of {@code partitions}. */
    public boolean owns(String orgId, int partitions) {
        return ownsPartition(OrgPartitions.of(orgId, partitions));
    }

    public boolean ownsPartition(int partition) {
        return progress.owns(topic, partition);
    }

    /** Whether this instance owns any of its partitions (a schedule has nothing to do before). */
    public boolean ownsAny() {
        return progress.assignment().stream().anyMatch(tp -> tp.topic().equals(topic));
    }

    /** Sends {@code command} to {@code orgId}'s partition; the future completes when the broker has it. */
    public CompletableFuture<RecordMetadata> send(String orgId, C command) {
        CompletableFuture<RecordMetadata> sent = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(topic, orgId.getBytes(StandardCharsets.UTF_8),
                serializer.serialize(topic, command)), (metadata, failure) -> {
                    if (failure != null) {
                        sent.completeExceptionally(failure);
                    } else {
                        sent.complete(metadata);
                    }
                });
        return sent;
    }
}
