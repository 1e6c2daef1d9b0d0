"""A projector batch on the real PostgreSQL (records made by hand, Kafka not needed): applied
exactly once in effect, gaps and undecodable messages repaired from the event store, all or
nothing with its checkpoint. Every test runs with the read tables in the write database and in
a database of their own."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract import StoredEvent
from event_contract.store import read_post
from post_service.bootstrap import make_engine
from projector.batch import BatchApplier
from projector.decoding import NotOurEventError
from projector.store import EventStoreReader
from read_side.adapters.locks import PROJECTION_LOCK_KEY
from read_side.adapters.projection import ProjectionWriter
from tests.support.appending import append_history, make_store, new_history
from tests.support.projection import (
    Databases,
    HandMadeRecord,
    checkpoints,
    records_of,
)
from tests.support.read_model import (
    ReadModel,
    compare_with_event_store,
    load_read_tables,
)
from tests.support.services import database_url, free_port

# The `databases` fixture: one database, or the read tables in one of their own.
pytest_plugins = ["tests.support.projection_fixtures"]

TOPIC = "posts.events.v1"


@pytest.fixture
async def write_engine(databases: Databases) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(databases.write_url, pool_size=4)
    yield engine
    await engine.dispose()


@pytest.fixture
async def read_engine(
    databases: Databases, write_engine: AsyncEngine
) -> AsyncIterator[AsyncEngine]:
    if databases.read_url == databases.write_url:
        yield write_engine
        return
    engine = make_engine(databases.read_url, pool_size=4)
    yield engine
    await engine.dispose()


def applier(read_engine: AsyncEngine, write_engine: AsyncEngine) -> BatchApplier:
    return BatchApplier(
        TOPIC, read_engine, EventStoreReader(write_engine), ProjectionWriter("simple")
    )


async def stored_posts(
    write_engine: AsyncEngine, count: int, length: int
) -> list[list[StoredEvent]]:
    """`count` posts of `length` events each, appended to the store and read back."""
    store = make_store(write_engine)
    histories = [new_history(length) for _ in range(count)]
    for history in histories:
        await append_history(store, history)
    async with write_engine.connect() as conn:
        return [await read_post(conn, h[0].metadata.post_id) for h in histories]


async def tables(engine: AsyncEngine) -> ReadModel:
    async with engine.connect() as conn:
        return await load_read_tables(conn)


def interleaved(posts: list[list[StoredEvent]]) -> list[StoredEvent]:
    return sorted((e for events in posts for e in events), key=lambda e: e.position)


async def test_a_batch_applies_its_events_and_its_checkpoints_together(write_engine, read_engine):
    posts = await stored_posts(write_engine, count=3, length=5)
    records = records_of(interleaved(posts), TOPIC, partition=2, first_offset=40)

    result = await applier(read_engine, write_engine).apply(records)

    assert result.applied == 15
    assert result.next_offsets == {2: 55}
    assert await checkpoints(read_engine, TOPIC) == {2: 55}
    assert await compare_with_event_store(write_engine, read_engine) == []


async def test_the_same_batch_applied_twice_changes_no_counter(write_engine, read_engine):
    posts = await stored_posts(write_engine, count=4, length=6)
    records = records_of(interleaved(posts), TOPIC)
    projector = applier(read_engine, write_engine)
    await projector.apply(records)
    once = await tables(read_engine)

    again = await projector.apply(records)  # the same offsets: fenced by the checkpoint
    async with read_engine.begin() as conn:  # a lost checkpoint: only the row versions guard
        await conn.execute(sa.text("DELETE FROM projection_checkpoints"))
    without_checkpoint = await projector.apply(records)
    republished = await projector.apply(records_of(interleaved(posts), TOPIC, first_offset=24))

    assert (again.applied, without_checkpoint.applied, republished.applied) == (0, 0, 0)
    assert await tables(read_engine) == once
    assert await compare_with_event_store(write_engine, read_engine) == []


async def test_a_gap_is_repaired_from_the_event_store(write_engine, read_engine):
    [events] = await stored_posts(write_engine, count=1, length=6)
    projector = applier(read_engine, write_engine)
    await projector.apply(records_of(events[:2], TOPIC))

    # Versions 5 and 6 arrive before 3 and 4: the store fills 3 and 4 in first.
    ahead = await projector.apply(records_of(events[4:], TOPIC, first_offset=2))
    late = await projector.apply(records_of(events[2:4], TOPIC, first_offset=4))

    assert (ahead.applied, late.applied) == (4, 0)
    assert await compare_with_event_store(write_engine, read_engine) == []


async def test_a_message_that_does_not_decode_is_reread_from_the_event_store(
    write_engine, read_engine
):
    [events] = await stored_posts(write_engine, count=1, length=5)
    projector = applier(read_engine, write_engine)
    await projector.apply(records_of(events[:2], TOPIC))
    first, *rest = records_of(events[2:], TOPIC, first_offset=2)
    garbled = replace(first, value=b"{not json", headers=first.headers[:3])

    result = await projector.apply([garbled, *rest])

    assert result.applied == 3
    assert result.next_offsets == {0: 5}
    assert await compare_with_event_store(write_engine, read_engine) == []


async def test_a_record_whose_key_is_no_post_id_fails_the_batch_and_applies_nothing(
    write_engine, read_engine
):
    [events] = await stored_posts(write_engine, count=1, length=3)
    records = records_of(events, TOPIC)
    foreign = HandMadeRecord(TOPIC, 0, 3, b"user-42", b'{"hello": 1}', ())

    with pytest.raises(NotOurEventError, match=f"{TOPIC}/0/3"):
        await applier(read_engine, write_engine).apply([*records, foreign])

    assert await tables(read_engine) == ReadModel()
    assert await checkpoints(read_engine, TOPIC) == {}


async def test_a_batch_that_fails_midway_leaves_neither_rows_nor_checkpoints(
    write_engine, read_engine
):
    [whole, gapped] = await stored_posts(write_engine, count=2, length=3)
    records = records_of([*whole, gapped[2]], TOPIC)  # the second post needs a gap filled
    unreachable_store = make_engine(database_url("post_service", free_port()), pool_size=1)
    broken = BatchApplier(
        TOPIC, read_engine, EventStoreReader(unreachable_store), ProjectionWriter("simple")
    )

    with pytest.raises(OSError):  # noqa: PT011 - connection refused, whatever its subclass
        await broken.apply(records)
    await unreachable_store.dispose()

    assert await tables(read_engine) == ReadModel()
    assert await checkpoints(read_engine, TOPIC) == {}
    retried = await applier(read_engine, write_engine).apply(records)
    assert retried.applied == 6


async def test_a_batch_waits_while_a_rebuild_holds_the_projection_lock(write_engine, read_engine):
    [events] = await stored_posts(write_engine, count=1, length=2)
    async with read_engine.connect() as rebuild:
        await rebuild.execute(sa.select(sa.func.pg_advisory_lock(PROJECTION_LOCK_KEY)))
        batch = asyncio.create_task(
            applier(read_engine, write_engine).apply(records_of(events, TOPIC))
        )
        await _until_waiting_for_the_lock(read_engine, 1)
        assert not batch.done()
        await rebuild.execute(sa.select(sa.func.pg_advisory_unlock(PROJECTION_LOCK_KEY)))
    assert (await batch).applied == 2


async def test_two_projectors_given_the_same_records_at_once_apply_them_once(
    write_engine, read_engine
):
    """What happens after a rebalance: the old owner of a partition still applies a batch that
    the new owner has read too. Held at the projection lock, both start at the same moment."""
    posts = await stored_posts(write_engine, count=5, length=4)
    records = records_of(interleaved(posts), TOPIC)
    async with read_engine.connect() as gate:
        await gate.execute(sa.select(sa.func.pg_advisory_lock(PROJECTION_LOCK_KEY)))
        batches = [
            asyncio.create_task(applier(read_engine, write_engine).apply(records)) for _ in "ab"
        ]
        await _until_waiting_for_the_lock(read_engine, 2)
        await gate.execute(sa.select(sa.func.pg_advisory_unlock(PROJECTION_LOCK_KEY)))
    results = await asyncio.gather(*batches)

    assert sorted(r.applied for r in results) == [0, 20]
    assert await compare_with_event_store(write_engine, read_engine) == []


async def _until_waiting_for_the_lock(engine: AsyncEngine, sessions: int) -> None:
    query = sa.text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    async with asyncio.timeout(10):
        while True:
            async with engine.connect() as conn:
                if await conn.scalar(query) == sessions:
                    return
            await asyncio.sleep(0.01)
