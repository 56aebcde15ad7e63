"""Zonekeeper's boundary seen from Confluent's Python client (librdkafka inside), as users outside Java see it.

upstream:  produces lifecycle events read as JSON lines from stdin, with the client's default partitioner
           (librdkafka's consistent_random: CRC32 of the key) and Confluent's AvroSerializer using the shipped .avsc,
           with auto.register.schemas as asked; prints one JSON line per event: where it was written.
dashboard: reads every record of the given topics to their end (read_committed, librdkafka's default) and decodes
           each value twice: with the writer's schema from the registry, and with the shipped .avsc as the reader's
           schema; prints a JSON object of counts per topic, and exits 1 on the first record it cannot decode.

Against a secured installation, --config adds librdkafka properties (security.protocol, sasl.*, ssl.ca.location) and
--registry-config the registry client's (basic.auth.user.info, ssl.ca.location).
"""

import argparse
import json
import sys

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext


def shipped(schema_dir, name):
    with open(f"{schema_dir}/{name}.avsc", encoding="utf-8") as f:
        return f.read()


def settings(pairs):
    return dict(pair.split("=", 1) for pair in pairs)


def registry_client(args):
    return SchemaRegistryClient({"url": args.registry, **settings(args.registry_config)})


def upstream(args):
    registry = registry_client(args)
    serializer = AvroSerializer(registry, shipped(args.schema_dir, "ClusterLifecycleEvent"),
                                conf={"auto.register.schemas": args.auto_register == "true"})
    # Nothing but the bootstrap servers: the default partitioner is what an upstream in any language gets.
    producer = Producer({"bootstrap.servers": args.bootstrap, "acks": "all", **settings(args.config)})
    written = []

    def delivered(err, msg):
        if err is not None:
            raise SystemExit(f"delivery failed: {err}")
        written.append({"key": msg.key().decode(), "partition": msg.partition(), "offset": msg.offset()})

    for line in sys.stdin:
        if not line.strip():
            continue
        event = json.loads(line)
        value = serializer(event, SerializationContext(args.topic, MessageField.VALUE))
        producer.produce(args.topic, key=event["orgId"].encode(), value=value, on_delivery=delivered)
        producer.poll(0)
    if producer.flush(30) != 0:
        raise SystemExit("records were not delivered within 30 s")
    for record in written:
        print(json.dumps(record))


def dashboard(args):
    registry = registry_client(args)
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "zonekeeper-dashboard-contract",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest", **settings(args.config)})
    counts = {}
    for spec in args.topics:
        topic, name = spec.split(":")
        with_writer = AvroDeserializer(registry)
        with_shipped = AvroDeserializer(registry, shipped(args.schema_dir, name))
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        if metadata.error is not None:
            # A topic it may not describe (or that does not exist) is an error, not an empty topic.
            raise SystemExit(f"{topic}: {metadata.error}")
        ends = {}
        for p in metadata.partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if high > low:
                ends[p] = high
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends])
        # Progress on stderr: what a run killed for taking too long leaves behind.
        print(f"{topic}: reading to {ends}", file=sys.stderr, flush=True)
        count = {"records": 0, "tombstones": 0}
        # Transaction markers take offsets too, so the last record may lie before the high watermark: a partition is
        # done at its watermark or, once nothing more comes for a few seconds, where it stands.
        idle = 0
        while ends and idle < 5:
            msg = consumer.poll(1.0)
            if msg is None:
                idle += 1
                for tp in consumer.position([TopicPartition(topic, p) for p in list(ends)]):
                    if tp.offset >= ends[tp.partition]:
                        del ends[tp.partition]
                continue
            if msg.error():
                raise SystemExit(f"{topic}: {msg.error()}")
            if msg.partition() not in ends:
                # Written after this read began (the services are still running): not this read's business, and
                # never a reason to keep waiting.
                continue
            idle = 0
            if msg.value() is None:
                count["tombstones"] += 1
            else:
                context = SerializationContext(topic, MessageField.VALUE)
                for deserializer, how in ((with_writer, "writer's schema"), (with_shipped, "shipped .avsc")):
                    try:
                        deserializer(msg.value(), context)
                    except Exception as e:  # noqa: BLE001 - the report names whatever failed
                        print(json.dumps({"failed": topic, "partition": msg.partition(), "offset": msg.offset(),
                                          "with": how, "error": str(e)}))
                        sys.exit(1)
                count["records"] += 1
            if msg.offset() + 1 >= ends[msg.partition()]:
                del ends[msg.partition()]
                consumer.pause([TopicPartition(topic, msg.partition())])
        counts[topic] = count
        print(f"{topic}: {count}, unfinished {ends}", file=sys.stderr, flush=True)
    consumer.close()
    print(json.dumps(counts))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upstream")
    down = sub.add_parser("dashboard")
    for p in (up, down):
        p.add_argument("--bootstrap", required=True)
        p.add_argument("--registry", required=True)
        p.add_argument("--schema-dir", required=True)
        p.add_argument("--config", action="append", default=[], metavar="KEY=VALUE")
        p.add_argument("--registry-config", action="append", default=[], metavar="KEY=VALUE")
    up.add_argument("--topic", required=True)
    up.add_argument("--auto-register", choices=["true", "false"], required=True)
    down.add_argument("topics", nargs="+", help="topic:SchemaName")
    args = parser.parse_args()
    upstream(args) if args.command == "upstream" else dashboard(args)


if __name__ == "__main__":
    main()
