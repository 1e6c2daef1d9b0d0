"""The real broker: a message produced with aiokafka is consumed back, headers and all."""

import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.support.services import KAFKA_BOOTSTRAP


async def test_a_message_produced_to_the_real_broker_is_consumed_back():
    topic = f"roundtrip-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA_BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()

    producer = AIOKafkaProducer(
        bootstrap_servers=KAFKA_BOOTSTRAP, enable_idempotence=True, acks="all"
    )
    await producer.start()
    try:
        sent = await producer.send_and_wait(
            topic, b'{"hello":"kafka"}', key=b"post-1", headers=[("ce_id", b"42")]
        )
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=KAFKA_BOOTSTRAP,
        group_id=f"g-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        message = await consumer.getone()
    finally:
        await consumer.stop()

    assert (message.partition, message.offset) == (sent.partition, sent.offset)
    assert message.key == b"post-1"
    assert message.value == b'{"hello":"kafka"}'
    assert list(message.headers) == [("ce_id", b"42")]
