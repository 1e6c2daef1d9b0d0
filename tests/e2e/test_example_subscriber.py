"""examples/subscriber.py, run as the README says, against the test broker: one line per event,
the duplicate dropped, and a clean stop on SIGTERM. Keeps the example from rotting."""

import asyncio
import sys
import uuid

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from event_contract import StoredEvent
from event_contract.cloudevents import to_kafka_message
from tests.support.appending import new_history
from tests.support.services import KAFKA_BOOTSTRAP, REPO


async def _publish(topic: str, events: list[StoredEvent]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA_BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA_BOOTSTRAP)
    await producer.start()
    try:
        for event in events:
            message = to_kafka_message(event)
            await producer.send_and_wait(
                topic, message.value, key=message.key, headers=list(message.headers)
            )
    finally:
        await producer.stop()


async def _lines(process: asyncio.subprocess.Process, count: int, within_s: float) -> list[str]:
    lines: list[str] = []
    assert process.stdout is not None
    async with asyncio.timeout(within_s):
        while len(lines) < count:
            lines.append((await process.stdout.readline()).decode())
    return lines


async def test_the_example_subscriber_prints_each_event_once():
    topic, group = f"posts-example-{uuid.uuid4().hex[:10]}", f"example-{uuid.uuid4().hex[:8]}"
    created, edited = [
        StoredEvent(position=41 + i, metadata=e.metadata, payload=e.payload)
        for i, e in enumerate(new_history(2))
    ]
    await _publish(topic, [created, created, edited])  # a duplicate, as redelivery makes one

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(REPO / "examples" / "subscriber.py"),
        *("--bootstrap", KAFKA_BOOTSTRAP, "--topic", topic, "--group", group),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        first, second = await _lines(process, 2, within_s=30)
    finally:
        process.terminate()
        rest, _ = await asyncio.wait_for(process.communicate(), 15)

    post = str(created.metadata.post_id)
    assert first.split()[:3] == ["41", "PostCreated", f"post={post}"]
    assert second.split()[:4] == ["42", "PostEdited", f"post={post}", "v2"]
    assert '"title": "New title"' in second
    assert rest == b""  # the duplicate printed nothing, before or after
    assert process.returncode == 0
