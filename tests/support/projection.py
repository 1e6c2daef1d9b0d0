"""Helpers for the projector's tests: Kafka records of stored events made by hand, the
checkpoints in the read tables, and waiting until the read model is projected. Fixtures are in
`projection_fixtures`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract import StoredEvent
from event_contract.cloudevents import to_kafka_message
from event_contract.store_schema import events as events_table
from post_service.bootstrap import make_engine
from post_service.settings import Settings
from read_side.adapters.tables import projection_checkpoints
from tests.support.kafka import describe_topic, headers, read_at_least
from tests.support.read_model import ReadModel, wait_until_read_model_matches


@dataclass(frozen=True)
class Databases:
    write_url: str
    read_url: str


@dataclass(frozen=True)
class HandMadeRecord:
    """Fits projector.records.Record, as aiokafka's ConsumerRecord does."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


def records_of(
    events: Sequence[StoredEvent], topic: str, partition: int = 0, first_offset: int = 0
) -> list[HandMadeRecord]:
    """The events as the relay puts them on Kafka, at consecutive offsets of one partition."""
    records = []
    for offset, event in enumerate(events, first_offset):
        message = to_kafka_message(event)
        records.append(
            HandMadeRecord(topic, partition, offset, message.key, message.value, message.headers)
        )
    return records


async def checkpoints(engine: AsyncEngine, topic: str) -> dict[int, int]:
    table = projection_checkpoints
    query = sa.select(table.c.partition, table.c.next_offset).where(table.c.topic == topic)
    async with engine.connect() as conn:
        return {row.partition: row.next_offset for row in await conn.execute(query)}


async def wait_until_projected(settings: Settings, within_s: float = 30) -> ReadModel:
    """Until the read tables equal the fold of the event store (see read_model). On failure,
    also says which stored events never reached the topic: those were lost upstream of the
    projector (by the relay), and no projector can apply them."""
    read_url = settings.effective_read_database_url
    try:
        return await wait_until_read_model_matches(settings.database_url, read_url, within_s)
    except AssertionError as error:
        missing = await _stored_but_not_on_topic(settings)
        if not missing:
            raise
        note = f"stored positions missing from the topic (lost by the relay): {missing[:20]}"
        raise AssertionError(f"{error}\n{note}") from None


async def _stored_but_not_on_topic(settings: Settings) -> list[int]:
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            stored = set(await conn.scalars(sa.select(events_table.c.position)))
    finally:
        await engine.dispose()
    bootstrap, topic = settings.kafka_bootstrap_servers, settings.events_topic
    on_topic = await read_at_least(bootstrap, topic, await _message_count(bootstrap, topic))
    return sorted(stored - {int(headers(r)["ce_position"]) for r in on_topic})


async def _message_count(bootstrap: str, topic: str) -> int:
    partitions, _ = await describe_topic(bootstrap, topic)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in range(partitions)])
        return sum(ends.values())
    finally:
        await consumer.stop()
