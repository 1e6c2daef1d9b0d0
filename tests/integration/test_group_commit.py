"""Group commit: concurrent appends share one transaction, and a conflict of one item is that
item's answer only (its batch-mates commit), while any other failure commits nothing.

A batch is made deterministic by holding every in-flight slot of the store's coalescer: the
slots' appends wait on the unique key of an uncommitted insert on another connection, the
appends under test queue meanwhile, and releasing the insert lets them run as ONE batch.
"""

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from uuid_utils.compat import uuid7

from event_contract import EventMetadata, NewEvent, PostEdited
from event_contract.store_schema import events
from tests.support.appending import append_history, insert_uncommitted, new_history
from write_side.adapters.event_store import MAX_IN_FLIGHT, PostgresEventStore
from write_side.adapters.tables import idempotency_records, snapshots
from write_side.application.ports import ConcurrentAppend, DuplicateRequest, RequestRecord
from write_side.domain import PostState, fold


@pytest.fixture
def store(engine: AsyncEngine) -> PostgresEventStore:
    return PostgresEventStore(engine, snapshot_every=3)


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def _waiting_on_locks(engine: AsyncEngine, count: int, text: str = "") -> list[int]:
    """The pids of backends of this database waiting on a lock (with `text` in their query),
    once there are `count` of them."""
    query = sa.text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query LIKE :pattern"
    )
    for _ in range(500):
        # A connection per look: pg_stat_activity is read once per transaction.
        async with engine.connect() as conn:
            pids = list(await conn.scalars(query, {"pattern": f"%{text}%"}))
        if len(pids) >= count:
            return pids
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} lock waits expected")


@asynccontextmanager
async def slots_held(engine: AsyncEngine, store: PostgresEventStore) -> AsyncIterator[None]:
    """Every in-flight slot of the store busy until the block ends: appends submitted inside
    queue, and run together in the next batch."""
    histories = [new_history(1) for _ in range(MAX_IN_FLIGHT)]
    async with engine.connect() as holder:
        for history in histories:
            await insert_uncommitted(holder, history)
        blockers = [asyncio.create_task(append_history(store, h)) for h in histories]
        await _waiting_on_locks(engine, MAX_IN_FLIGHT)
        yield
        await _settle()  # the appends under test reach the queue
        await holder.rollback()  # the blockers' keys are free: they commit
    await asyncio.gather(*blockers)


def _state(history: Sequence[NewEvent], before: PostState | None = None) -> PostState:
    state = fold(before, history)
    assert state is not None
    return state


def _edit(state: PostState, title: str) -> list[NewEvent]:
    metadata = EventMetadata(
        event_id=uuid7(),
        post_id=state.post_id,
        version=state.version + 1,
        occurred_at=state.updated_at,
        actor_id=state.author_id,
        caller="test-suite",
    )
    return [NewEvent(metadata=metadata, payload=PostEdited(post_id=state.post_id, title=title))]


def _request(history: Sequence[NewEvent], request_id: UUID) -> RequestRecord:
    last = history[-1].metadata
    return RequestRecord(request_id, b"fingerprint", last.post_id, last.version, 0)


def _submit(
    store: PostgresEventStore,
    history: Sequence[NewEvent],
    before: PostState | None = None,
    request: RequestRecord | None = None,
) -> asyncio.Task[int]:
    return asyncio.create_task(store.append(history, _state(history, before), request))


async def _stored(conn: AsyncConnection, event_ids: Sequence[UUID]) -> dict[UUID, tuple[int, int]]:
    """event_id -> (position, xmin) of those of `event_ids` that are committed."""
    query = sa.select(
        events.c.event_id, events.c.position, sa.text("xmin::text::bigint AS xid")
    ).where(events.c.event_id.in_(event_ids))
    return {row.event_id: (row.position, row.xid) for row in await conn.execute(query)}


def _ids(*histories: Sequence[NewEvent]) -> list[UUID]:
    return [e.metadata.event_id for history in histories for e in history]


async def test_many_concurrent_appends_commit_in_fewer_transactions_than_appends(engine, store):
    histories = [new_history(2) for _ in range(40)]
    positions = await asyncio.gather(*(_submit(store, h) for h in histories))

    async with engine.connect() as conn:
        stored = await _stored(conn, _ids(*histories))
    assert len(stored) == 80
    transactions = {xid for _, xid in stored.values()}
    # The first MAX_IN_FLIGHT came alone, the rest queued behind them and went in one batch.
    assert len(transactions) <= MAX_IN_FLIGHT + 1
    for history, position in zip(histories, positions, strict=True):
        assert position == stored[history[-1].metadata.event_id][0]


async def test_appends_queued_behind_busy_slots_commit_as_one_transaction(engine, store):
    histories = [new_history(3) for _ in range(10)]
    async with slots_held(engine, store):
        calls = [_submit(store, h) for h in histories]
    await asyncio.gather(*calls)

    async with engine.connect() as conn:
        stored = await _stored(conn, _ids(*histories))
    assert len(stored) == 30
    assert len({xid for _, xid in stored.values()}) == 1


async def test_of_two_appends_of_one_post_at_one_version_in_a_batch_exactly_one_commits(
    engine, store
):
    created = new_history(1)
    await append_history(store, created)
    state = _state(created)
    first, second, unrelated = _edit(state, "First"), _edit(state, "Second"), new_history(2)

    async with slots_held(engine, store):
        calls = [_submit(store, first, state), _submit(store, second, state)]
        calls.append(_submit(store, unrelated))
    outcomes = await asyncio.gather(*calls, return_exceptions=True)

    assert isinstance(outcomes[0], int)
    assert isinstance(outcomes[1], ConcurrentAppend)
    assert isinstance(outcomes[2], int)
    async with engine.connect() as conn:
        stored = await _stored(conn, _ids(first, second, unrelated))
    assert set(stored) == set(_ids(first, unrelated))
    assert stored[first[0].metadata.event_id][0] == outcomes[0]
    # The winner and the unrelated batch-mate committed together.
    assert len({xid for _, xid in stored.values()}) == 1


async def test_a_request_id_already_used_gives_duplicate_request_to_that_item_only(engine, store):
    reused, live = uuid7(), uuid7()
    earlier = new_history(1)
    await store.append(earlier, _state(earlier), _request(earlier, live))
    histories = [new_history(1) for _ in range(4)]
    request_ids = [reused, reused, live, uuid7()]

    async with slots_held(engine, store):
        calls = [
            _submit(store, h, request=_request(h, r))
            for h, r in zip(histories, request_ids, strict=True)
        ]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)

    # The first of two in one batch is recorded; the second, and a live record, are duplicates.
    assert isinstance(outcomes[0], int)
    assert isinstance(outcomes[1], DuplicateRequest)
    assert isinstance(outcomes[2], DuplicateRequest)
    assert isinstance(outcomes[3], int)
    async with engine.connect() as conn:
        stored = await _stored(conn, _ids(*histories))
        records = {
            row.request_id: row
            for row in await conn.execute(
                sa.select(idempotency_records).where(
                    idempotency_records.c.request_id.in_(request_ids)
                )
            )
        }
    assert set(stored) == set(_ids(histories[0], histories[3]))
    assert records[reused].post_id == histories[0][0].metadata.post_id
    assert records[reused].position == outcomes[0]
    assert records[live].post_id == earlier[0].metadata.post_id
    assert records[request_ids[3]].position == outcomes[3]


async def test_an_append_crossing_a_snapshot_boundary_in_a_batch_writes_its_snapshot(engine, store):
    # snapshot_every=3: a snapshot whenever an append crosses version 3, 6, ...
    early = new_history(2)
    await append_history(store, early)
    state = _state(early)
    crossing, below, across = _edit(state, "Third"), new_history(2), new_history(4)

    async with slots_held(engine, store):
        calls = [_submit(store, crossing, state), _submit(store, below), _submit(store, across)]
    await asyncio.gather(*calls)

    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(snapshots.c.post_id, snapshots.c.version))
        taken = dict(rows.all())
    assert taken == {state.post_id: 3, across[0].metadata.post_id: 4}


async def test_positions_of_a_posts_events_increase_with_its_versions_in_a_batch(engine, store):
    histories = [new_history(6) for _ in range(5)]
    async with slots_held(engine, store):
        calls = [_submit(store, h) for h in reversed(histories)]
    last_positions = await asyncio.gather(*calls)

    async with engine.connect() as conn:
        stored = await _stored(conn, _ids(*histories))
    for history, last in zip(reversed(histories), last_positions, strict=True):
        positions = [stored[e.metadata.event_id][0] for e in history]  # in version order
        assert positions == sorted(positions)
        assert last == positions[-1]


async def test_a_failure_that_is_no_conflict_commits_nothing_and_reaches_every_caller(
    engine, store
):
    taken = new_history(1)
    await append_history(store, taken)
    # A new post whose event id is already stored: a unique violation that is no race lost.
    clash = new_history(1)
    clash_metadata = dataclasses.replace(clash[0].metadata, event_id=taken[0].metadata.event_id)
    clash = [dataclasses.replace(clash[0], metadata=clash_metadata)]
    histories = [new_history(2), clash, new_history(2)]

    async with slots_held(engine, store):
        calls = [_submit(store, h) for h in histories]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)

    assert all(isinstance(o, sa.exc.IntegrityError) for o in outcomes)
    async with engine.connect() as conn:
        assert await _stored(conn, _ids(histories[0], histories[2])) == {}


async def test_a_batch_whose_connection_is_killed_commits_nothing_and_every_caller_errs(
    engine, store
):
    held = new_history(1)
    histories = [new_history(2), held, new_history(2)]
    async with engine.connect() as other:
        # The batch will wait on this key: in flight, for as long as the test needs.
        await insert_uncommitted(other, held)
        async with slots_held(engine, store):
            calls = [_submit(store, h) for h in histories]
        (pid,) = await _waiting_on_locks(engine, 1, "new_events")
        async with engine.connect() as conn:
            assert await conn.scalar(sa.select(sa.func.pg_terminate_backend(pid)))
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        await other.rollback()

    assert all(isinstance(o, Exception) for o in outcomes)
    assert not any(isinstance(o, ConcurrentAppend | DuplicateRequest) for o in outcomes)
    async with engine.connect() as conn:
        assert await _stored(conn, _ids(*histories)) == {}
    # The store still works: the next append gets a fresh connection.
    again = new_history(1)
    assert await append_history(store, again) > 0


async def test_an_idle_store_appends_alone_at_once(engine, store):
    history = new_history(1)
    assert await store.append(history, _state(history), _request(history, uuid4())) > 0


@pytest.fixture
def rounds(store: PostgresEventStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the store's rounds (one transaction each), as they run."""
    sizes: list[int] = []
    commit = store._commit

    async def counted(items):
        sizes.append(len(items))
        return await commit(items)

    monkeypatch.setattr(store, "_commit", counted)
    return sizes


async def test_a_stale_append_loses_without_undoing_its_batch_mates_round(engine, store, rounds):
    created = new_history(2)
    await append_history(store, created)
    stale = _state(created)
    await store.append(_edit(stale, "Newer"), _state(_edit(stale, "Newer"), stale), None)
    # Decided on version 2 and crossing the snapshot at 3, which another writer already took.
    loser, mates = _edit(stale, "Stale"), [new_history(1), new_history(2)]
    # Snapshots are a cache: without the winner's, nothing but the rule keeps the loser's out.
    async with engine.begin() as conn:
        await conn.execute(sa.delete(snapshots).where(snapshots.c.post_id == stale.post_id))
    rounds.clear()

    async with slots_held(engine, store):
        calls = [_submit(store, mates[0]), _submit(store, loser, stale), _submit(store, mates[1])]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)

    assert isinstance(outcomes[1], ConcurrentAppend)
    # The slots' own appends, then the batch: one round, committed with the loser left out.
    assert rounds[-1:] == [3]
    async with engine.connect() as conn:
        stored = await _stored(conn, _ids(loser, *mates))
        snapshot = await conn.scalar(
            sa.select(snapshots.c.state).where(snapshots.c.post_id == stale.post_id)
        )
    assert set(stored) == set(_ids(*mates))
    assert snapshot is None  # the loser's state after was never saved


async def test_an_append_with_only_some_events_in_is_undone_and_its_mates_run_again(
    engine, store, rounds
):
    created = new_history(1)
    await append_history(store, created)
    stale = _state(created)
    taken = _edit(stale, "Taken")  # version 2, committed by another writer
    await store.append(taken, _state(taken, stale), None)
    # Decided on version 1: versions 2 (taken) and 3 (free, so it would get in alone).
    first = _edit(stale, "Stale")
    second = _edit(_state(first, stale), "Stale again")
    partial, mate = [*first, *second], new_history(1)
    rounds.clear()

    async with slots_held(engine, store):
        calls = [_submit(store, partial, stale), _submit(store, mate)]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)

    assert isinstance(outcomes[0], ConcurrentAppend)
    assert isinstance(outcomes[1], int)
    assert rounds[-2:] == [2, 1]  # undone, then the mate alone
    async with engine.connect() as conn:
        stored = await _stored(conn, _ids(partial, mate))
        versions = list(
            await conn.scalars(
                sa.select(events.c.version)
                .where(events.c.post_id == stale.post_id)
                .order_by(events.c.version)
            )
        )
    assert set(stored) == set(_ids(mate))
    assert versions == [1, 2]
