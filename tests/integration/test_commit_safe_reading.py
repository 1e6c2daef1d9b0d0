"""Commit-safe reading (DESIGN.md, Guarantee 2): the relay's reader never hands out a position
while a lower one may still commit. Made deterministic by holding transaction A open after its
insert, so that B, which drew a later position, commits first."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract.store import read_range, safe_head
from tests.support.appending import (
    append_history,
    append_many,
    insert_uncommitted,
    make_store,
    new_history,
)
from write_side.adapters.event_store import PostgresEventStore
from write_side.relay.reader import read_batch

EVERYTHING = 2**62


@pytest.fixture
def store(engine: AsyncEngine) -> PostgresEventStore:
    return make_store(engine)


async def _positions_visible_now(engine: AsyncEngine) -> list[int]:
    """What a naive reader (everything committed, by position) would see."""
    async with engine.connect() as conn:
        return [e.position for e in await read_range(conn, 0, EVERYTHING, 100)]


async def test_a_later_commit_is_not_handed_out_while_an_earlier_position_is_in_flight(
    engine, store
):
    async with engine.connect() as a:
        position_a = await insert_uncommitted(a, new_history(1))
        position_b = await append_history(store, new_history(1))
        assert position_a < position_b
        # The hazard is real: B is visible, A is not, and a checkpoint at B would skip A.
        assert await _positions_visible_now(engine) == [position_b]

        held = await read_batch(engine, after=0, limit=100, max_wait_s=0.2)
        assert held.events == []
        assert held.up_to == 0

        await a.commit()
    both = await read_batch(engine, after=0, limit=100)
    assert [e.position for e in both.events] == [position_a, position_b]
    assert both.up_to == position_b


async def test_a_reader_whose_snapshot_saw_the_open_transaction_waits_then_hands_out_both(
    engine, store
):
    async with engine.connect() as a:
        position_a = await insert_uncommitted(a, new_history(1))
        position_b = await append_history(store, new_history(1))
        with _statements(engine) as sent:
            reading = asyncio.create_task(read_batch(engine, after=0, limit=100, max_wait_s=30))
            await _until_it_waits_for_in_flight_transactions(sent)
        assert not reading.done()
        await a.commit()
    batch = await asyncio.wait_for(reading, 10)
    assert [e.position for e in batch.events] == [position_a, position_b]


async def test_positions_of_a_rolled_back_append_are_passed_over(engine, store):
    async with engine.connect() as a:
        position_a = await insert_uncommitted(a, new_history(1))
        position_b = await append_history(store, new_history(1))
        await a.rollback()
    batch = await read_batch(engine, after=0, limit=100)
    assert [e.position for e in batch.events] == [position_b]
    assert batch.up_to == position_b > position_a


async def test_a_full_batch_stops_at_its_limit_and_the_next_one_continues_after_it(engine, store):
    last = await append_history(store, new_history(5))
    first = await read_batch(engine, after=0, limit=3)
    rest = await read_batch(engine, after=first.up_to, limit=3)
    assert first.full
    assert not rest.full
    assert [e.metadata.version for e in first.events + rest.events] == [1, 2, 3, 4, 5]
    assert rest.up_to == last


@contextmanager
def _statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement `engine` sends while inside the block."""
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def _until_it_waits_for_in_flight_transactions(sent: list[str]) -> None:
    """Until the reader asked whether its snapshot's in-flight xids are done: it took its
    snapshot while A was open, so A is in it and it must wait for A."""
    async with asyncio.timeout(10):
        while not any("pg_snapshot_xip" in statement for statement in sent):
            await asyncio.sleep(0.005)


async def test_a_reader_racing_16_concurrent_writers_never_skips_a_position(engine, store):
    """The regression behind the xid fence: a snapshot lists only in-progress xids below its
    xmax, so a reader that only waited for its snapshot's xip skipped events under load."""
    seen: list[int] = []
    writers_done = asyncio.Event()

    async def follow() -> None:
        after = 0
        while True:
            async with engine.connect() as conn:
                head = await safe_head(conn)
                if head is not None and head > after:
                    seen.extend(e.position for e in await read_range(conn, after, head, 10**6))
                    after = head
            if writers_done.is_set() and after >= last[0]:
                return
            await asyncio.sleep(0)

    last = [EVERYTHING]
    reader = asyncio.create_task(follow())
    await append_many(store, posts=300, length=3, concurrency=16)
    stored = await _positions_visible_now_all(engine)
    last[0] = max(stored)
    writers_done.set()
    await asyncio.wait_for(reader, 30)

    assert sorted(set(stored) - set(seen)) == []
    assert seen == sorted(seen)


async def _positions_visible_now_all(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        return [e.position for e in await read_range(conn, 0, EVERYTHING, 10**6)]
