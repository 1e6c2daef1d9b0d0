"""`post-service projector` as real processes under a stream of commands (served and relayed
in-process): one killed with SIGKILL in the middle of a batch and restarted, and two sharing
the partitions. What must hold: the read tables equal the fold of the event store, every
event is applied exactly once, no deadlock."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine

from post_service.bootstrap import make_engine
from tests.conftest import make_settings
from tests.support.command_stream import CommandStream
from tests.support.projection import Databases, checkpoints, wait_until_projected
from tests.support.services import KAFKA_BOOTSTRAP
from tests.support.waiting import eventually

# Fixtures: `databases` (one database, or the read tables in one of their own) and
# `projector_processes`.
pytest_plugins = ["tests.support.projection_fixtures"]

RELAY = frozenset({"serve", "relay"})
PARTITIONS = 6


def settings_for(databases: Databases):
    return make_settings(
        databases.write_url,
        read_database_url=databases.read_url,
        events_topic=f"posts-projectors-{uuid.uuid4().hex[:10]}",
        events_partitions=PARTITIONS,
        projector_group_id=f"projectors-{uuid.uuid4().hex[:10]}",
        projector_max_wait_ms=100,
        projector_batch_size=50,
    )


@pytest.fixture
async def read_engine(databases: Databases) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(databases.read_url, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
async def commands(start_service, channel_to, databases):
    """A stream of commands against a server with a relay; yields (settings, stream, stop)."""
    settings = settings_for(databases)
    service = await start_service(settings, RELAY)
    stream, stop = CommandStream(channel_to(service)), asyncio.Event()
    running = asyncio.create_task(stream.run(stop, workers=3))
    yield settings, stream, stop
    stop.set()
    await running


@pytest.mark.parametrize("databases", ["separate read database"], indirect=True)
async def test_a_projector_killed_mid_batch_and_restarted_leaves_every_row_equal_to_the_store(
    databases, commands, projector_processes, read_engine
):
    settings, stream, stop = commands
    first = projector_processes.start(settings)
    await eventually(lambda: _has_author_row(read_engine, stream.authors[0]))

    # Hold one author's counter row: the next batch that touches it stops half-way, its post
    # rows written but not committed. That is the moment to kill it.
    async with read_engine.connect() as blocker:
        await blocker.execute(
            sa.text("SELECT 1 FROM author_stats WHERE author_id = :a FOR UPDATE"),
            {"a": stream.authors[0]},
        )
        await eventually(lambda: _waiting_for_a_lock(read_engine))
        first.kill()
        await blocker.rollback()

    second = projector_processes.start(settings)
    await eventually(lambda: bool(second.assignment()), within_s=40)
    stop.set()  # commands ran through the kill and the restart

    await wait_until_projected(settings, within_s=40)
    assert second.applied() > 0


async def _has_author_row(engine: AsyncEngine, author_id: uuid.UUID) -> bool:
    async with engine.connect() as conn:
        query = sa.text("SELECT EXISTS (SELECT 1 FROM author_stats WHERE author_id = :a)")
        return bool(await conn.scalar(query, {"a": author_id}))


async def _waiting_for_a_lock(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        query = sa.text(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock')"
        )
        return bool(await conn.scalar(query))


@pytest.mark.parametrize("databases", ["one database"], indirect=True)
async def test_two_projector_processes_share_the_partitions_and_apply_each_event_once(
    databases, commands, projector_processes, read_engine
):
    settings, _, stop = commands
    a = projector_processes.start(settings)
    await eventually(lambda: a.applied() > 0)
    b = projector_processes.start(settings)
    # Both at work for a while: posts of all partitions share a few authors' and tags' rows.
    await eventually(
        lambda: bool(a.assignment()) and bool(b.assignment()) and b.applied() > 100, 40
    )
    stop.set()

    await wait_until_projected(settings)
    ends = await _end_offsets(settings.events_topic)
    await eventually(lambda: _checkpoints_are(read_engine, settings.events_topic, ends))
    shares = a.assignment(), b.assignment()  # before stopping: a stop moves partitions
    assert a.stop() == 0
    assert b.stop() == 0

    assert shares[0] | shares[1] == set(range(PARTITIONS))
    assert not shares[0] & shares[1]
    assert a.applied() + b.applied() == await _stored_events(databases.write_url)
    assert "batch failed" not in a.log() + b.log()
    assert await _deadlocks(read_engine) == 0


async def _end_offsets(topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA_BOOTSTRAP)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        return {tp.partition: end for tp, end in (await consumer.end_offsets(partitions)).items()}
    finally:
        await consumer.stop()


async def _checkpoints_are(engine: AsyncEngine, topic: str, ends: dict[int, int]) -> bool:
    return await checkpoints(engine, topic) == ends


async def _stored_events(url: str) -> int:
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(sa.text("SELECT count(*) FROM events")) or 0)
    finally:
        await engine.dispose()


async def _deadlocks(engine: AsyncEngine) -> int:
    """Counted by PostgreSQL per database; the projectors have exited, so their backends'
    statistics are flushed."""
    async with engine.connect() as conn:
        await conn.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        query = sa.text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(await conn.scalar(query) or 0)
