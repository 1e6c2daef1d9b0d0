"""The users service, played by tests: its topic, its CloudEvents messages, and what our
consumer group has committed on it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

USER_DELETED = "users.v1.UserDeleted"


@dataclass(frozen=True)
class Message:
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]


def cloudevent(
    event_type: str, value: bytes | None, *, key: str = "", **changed: str | None
) -> Message:
    """A binary-mode CloudEvent as the users service sends it (a fresh ce_id); `changed`
    replaces (or, with None, leaves out) a `ce_*` header."""
    attrs: dict[str, str | None] = {
        "ce_specversion": "1.0",
        "ce_id": str(uuid.uuid4()),
        "ce_source": "users-service",
        "ce_type": event_type,
        "ce_time": "2026-11-27T08:00:00Z",
        "content-type": "application/json",
        **changed,
    }
    headers = tuple((name, v.encode()) for name, v in attrs.items() if v is not None)
    return Message(key.encode() or None, value, headers)


def user_deleted(user_id: object, **changed: str | None) -> Message:
    value = f'{{"user_id":"{user_id}","deleted_at":"2026-11-27T08:00:00Z"}}'.encode()
    return cloudevent(USER_DELETED, value, key=str(user_id), **changed)


async def create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, partitions, replication_factor=1)])
    finally:
        await admin.close()


async def publish(bootstrap: str, topic: str, messages: Sequence[Message]) -> list[int]:
    """Sends in order, each acknowledged before the next; returns their offsets."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        offsets = []
        for m in messages:
            sent = await producer.send_and_wait(topic, m.value, m.key, headers=list(m.headers))
            offsets.append(sent.offset)
        return offsets
    finally:
        await producer.stop()


async def committed(bootstrap: str, group_id: str, topic: str) -> dict[int, int]:
    """The group's committed offsets on the topic, by partition (none yet: empty)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group_id)
    finally:
        await admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}
