"""Loading posts for commands: concurrent loads share one statement, and each gets its own post,
from its newest valid snapshot or from its events, with the position of its newest event."""

import asyncio
from collections.abc import Sequence
from uuid import uuid4

import sqlalchemy as sa

from event_contract import NewEvent
from event_contract.store_schema import events
from tests.support.appending import append_history, new_history
from write_side.adapters.event_store import PostgresEventStore
from write_side.adapters.tables import snapshots
from write_side.application.ports import LoadedPost
from write_side.domain import fold


def _expected(history: Sequence[NewEvent], position: int) -> LoadedPost:
    return LoadedPost(state=fold(None, history), position=position)


async def test_concurrent_loads_share_statements_and_each_gets_its_own_post(engine, monkeypatch):
    # Every 3 versions a snapshot: posts loaded from the start, from a snapshot with events
    # after it, and from a snapshot at their newest version.
    store = PostgresEventStore(engine, snapshot_every=3)
    histories = [new_history(length) for length in (1, 2, 3, 4, 5, 6, 7) for _ in range(4)]
    for history in histories:
        # One event per append, so that every crossing of a multiple of 3 writes a snapshot.
        await append_history(store, history, per_transaction=1)
    async with engine.connect() as conn:
        positions = dict(
            (await conn.execute(sa.select(events.c.event_id, events.c.position))).all()
        )
    statements = 0
    load_batch = store._loader._load_batch

    async def counted(post_ids):
        nonlocal statements
        statements += 1
        return await load_batch(post_ids)

    monkeypatch.setattr(store._loader, "_load_batch", counted)
    missing = uuid4()

    loaded = await asyncio.gather(
        *(store.load(h[0].metadata.post_id) for h in histories), store.load(missing)
    )

    for history, got in zip(histories, loaded, strict=False):
        assert got == _expected(history, positions[history[-1].metadata.event_id])
    assert loaded[-1] == LoadedPost(state=None, position=0)
    assert statements <= 3  # 29 loads: the first ones alone, the rest together


async def test_a_snapshot_of_another_state_schema_is_ignored(engine):
    store = PostgresEventStore(engine, snapshot_every=2)
    history = new_history(5)
    position = await append_history(store, history, per_transaction=1)
    post_id = history[0].metadata.post_id
    async with engine.begin() as conn:
        # What an older release would have written: unreadable now, so not read at all.
        await conn.execute(
            sa.update(snapshots)
            .where(snapshots.c.post_id == post_id)
            .values(state_schema_version=0, state={"not": "a post state"})
        )

    assert await store.load(post_id) == _expected(history, position)


async def test_a_snapshot_is_what_the_load_starts_from(engine):
    store = PostgresEventStore(engine, snapshot_every=2)
    history = new_history(5)
    await append_history(store, history, per_transaction=1)
    post_id = history[0].metadata.post_id
    async with engine.begin() as conn:
        # The snapshot at version 4 says another title: a load that starts from it shows it.
        state = await conn.scalar(
            sa.select(snapshots.c.state).where(snapshots.c.post_id == post_id)
        )
        assert state["version"] == 4
        await conn.execute(
            sa.update(snapshots)
            .where(snapshots.c.post_id == post_id)
            .values(state={**state, "title": "From the snapshot"})
        )

    loaded = await store.load(post_id)

    assert loaded.state is not None
    assert loaded.state.version == 5
    assert loaded.state.title == "From the snapshot"
