"""The write side's PostgreSQL event store: load a post, append its new events atomically.

Appends are group-committed: concurrent calls of `append` are coalesced (edges.coalescer)
into batches, and a batch is ONE transaction running ONE statement (`_APPEND_BATCH`): the
events of every item, their posts-by-author rows, the snapshots that are due (every
SNAPSHOT_EVERY versions), the idempotency records and one NOTIFY. BEGIN, COMMIT (its WAL
flush), the connection checkout and each round trip are then paid once per batch instead of
once per call; an idle service still runs each call at once, as a batch of one.

The unique (post_id, version) key is the optimistic lock: of concurrent appends at the same
version exactly one commits; the others get `ConcurrentAppend` and decide again against the new
state. In a batch, of several appends of one post only the one decided on the newest version
can commit; the others get `ConcurrentAppend` at once. Events are inserted ON CONFLICT DO
NOTHING and the side rows only for events that got in, so the statement itself says which items
lost a race (their events skipped, nothing of theirs written: the round commits without them)
or reused a live request id (`DuplicateRequest`). Only an item that got some events in but not
all, or a duplicate request, makes the round roll back: those items get their answer and the
rest run again in the next round (at most one item per request id per round). Any other
failure reaches every caller not yet answered; nothing of the round it struck was committed (of
a first round: nothing of the batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import asyncpg
import orjson
import sqlalchemy as sa
import sqlalchemy.exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from edges.coalescer import Coalescer, Outcome
from event_contract import NewEvent, PostCreated, to_json_object
from event_contract.store import NOTIFY_CHANNEL
from write_side.adapters.post_loading import STATE, PostLoader
from write_side.adapters.tables import idempotency_records
from write_side.application.ports import (
    ConcurrentAppend,
    DuplicateRequest,
    LoadedPost,
    RequestRecord,
)
from write_side.domain import STATE_SCHEMA_VERSION, PostState

# Measured (bench CreatePost at 16 and 64 callers, 2 cores): server CPU per call was lowest
# with 1 batch in flight (0.64-0.75 ms), then 2 (0.75-0.9), 4 (1.1-1.25), 8 (1.3-1.5): fewer,
# larger batches pay BEGIN/COMMIT and the round trips less often. 2, not 1, so that one slow
# batch (a lock wait on a contended post, a round re-run after a conflict) does not stop every
# append of the process. Each batch holds one pooled connection: 2 leave the pool (make_engine:
# 20 + 20 overflow) to loads, queries, the relay and the projector.
MAX_IN_FLIGHT = 2
# At 64 callers and 2 slots a batch is ~32 items; the cap bounds one statement's size and the
# rows a rolled-back round redoes. 32 measured no better than 64 (and worse at 64 callers).
MAX_BATCH = 64

# One statement per round. Positions come from the column default next_event_position(), which
# takes the transaction's xid before drawing one (commit-safe reading depends on that). Rows are
# inserted in the order of the arrays (ORDER BY ordinality), which `_Batch` sorts by key:
# a post's positions increase with its versions, and concurrent batches take their unique-key
# locks in the same order (events, then records, snapshots, authors: always so for one plan),
# so they wait for each other instead of deadlocking. Each inserted event's position comes back
# keyed by (post_id, version); a key already taken is skipped (DO NOTHING) and so missing.
_APPEND_BATCH = sa.text("""
WITH new_events AS (
    INSERT INTO events (event_id, post_id, version, event_type, schema_version, data,
        actor_id, caller, request_id, occurred_at)
    SELECT e.event_id, e.post_id, e.version, e.event_type, e.schema_version,
        CAST(e.data AS jsonb), e.actor_id, e.caller, e.request_id, e.occurred_at
    FROM unnest(CAST(:event_ids AS uuid[]), CAST(:post_ids AS uuid[]),
        CAST(:versions AS bigint[]), CAST(:event_types AS text[]),
        CAST(:schema_versions AS integer[]), CAST(:data AS text[]), CAST(:actor_ids AS uuid[]),
        CAST(:callers AS text[]), CAST(:request_ids AS uuid[]),
        CAST(:occurred_ats AS timestamptz[]))
        WITH ORDINALITY AS e(event_id, post_id, version, event_type, schema_version, data,
            actor_id, caller, request_id, occurred_at, n)
    ORDER BY e.n
    ON CONFLICT ON CONSTRAINT events_post_id_version_key DO NOTHING
    RETURNING position, post_id, version
), by_author AS (
    INSERT INTO posts_by_author (author_id, post_id)
    SELECT a.author_id, a.post_id
    FROM unnest(CAST(:author_ids AS uuid[]), CAST(:created_ids AS uuid[]))
        WITH ORDINALITY AS a(author_id, post_id, n)
    -- Only for a version 1 that got in (a loser leaves no trace; see below).
    JOIN new_events AS e ON e.post_id = a.post_id AND e.version = 1
    ORDER BY a.n
), snapshot AS (
    INSERT INTO snapshots AS s (post_id, version, state_schema_version, state)
    SELECT t.post_id, t.version, t.state_schema_version, CAST(t.state AS jsonb)
    FROM unnest(CAST(:snapshot_ids AS uuid[]), CAST(:snapshot_versions AS bigint[]),
        CAST(:snapshot_schemas AS integer[]), CAST(:snapshot_states AS text[]))
        WITH ORDINALITY AS t(post_id, version, state_schema_version, state, n)
    -- Only the state after an append that got in.
    JOIN new_events AS e ON e.post_id = t.post_id AND e.version = t.version
    ORDER BY t.n
    ON CONFLICT (post_id) DO UPDATE SET version = excluded.version,
        state_schema_version = excluded.state_schema_version, state = excluded.state
    WHERE s.version < excluded.version
), recorded AS (
    -- The first result of a request id, for the items whose events were inserted. An expired
    -- record of the same id is replaced (the id may be used again after the window); a live
    -- one is left as it is and not returned: a duplicate.
    INSERT INTO idempotency_records AS r (request_id, fingerprint, post_id, version, position,
        created_at)
    SELECT q.request_id, q.fingerprint, q.post_id, q.version, e.position, now()
    FROM unnest(CAST(:request_keys AS uuid[]), CAST(:fingerprints AS bytea[]),
        CAST(:request_post_ids AS uuid[]), CAST(:request_versions AS bigint[]),
        CAST(:last_post_ids AS uuid[]), CAST(:last_versions AS bigint[]))
        WITH ORDINALITY AS q(request_id, fingerprint, post_id, version, last_post_id,
            last_version, n)
    JOIN new_events AS e ON e.post_id = q.last_post_id AND e.version = q.last_version
    ORDER BY q.n
    ON CONFLICT (request_id) DO UPDATE SET fingerprint = excluded.fingerprint,
        post_id = excluded.post_id, version = excluded.version, position = excluded.position,
        created_at = excluded.created_at
    WHERE r.created_at <= now() - CAST(:retention AS interval)
    RETURNING r.request_id
), notified AS (
    SELECT pg_notify(:channel, '')
)
SELECT e.position, e.post_id, e.version,
    (SELECT array_agg(request_id) FROM recorded) AS recorded
FROM new_events AS e CROSS JOIN notified
""")


@dataclass(frozen=True, slots=True)
class _Append:
    """One call of `append`: an item of a batch."""

    new_events: Sequence[NewEvent]
    state_after: PostState
    request: RequestRecord | None

    @property
    def first_key(self) -> tuple[UUID, int]:
        first = self.new_events[0].metadata
        return first.post_id, first.version

    @property
    def last_key(self) -> tuple[UUID, int]:
        last = self.new_events[-1].metadata
        return last.post_id, last.version


class PostgresEventStore:
    def __init__(
        self,
        engine: AsyncEngine,
        snapshot_every: int,
        retention: timedelta = timedelta(hours=24),
        *,
        reads: AsyncEngine | None = None,
    ) -> None:
        """`reads`: the same database in autocommit, for the loads (one statement each: fewer
        round trips); `engine` otherwise."""
        self._engine = engine
        self._loader = PostLoader(reads or engine)
        self._snapshot_every = snapshot_every
        self._retention = retention
        self._appends: Coalescer[_Append, int] = Coalescer(
            self._append_batch, max_batch=MAX_BATCH, max_in_flight=MAX_IN_FLIGHT
        )

    async def load(self, post_id: UUID) -> LoadedPost:
        """Newest valid snapshot + the events after it (coalesced with concurrent loads)."""
        return await self._loader.load(post_id)

    async def find_request(self, request_id: UUID) -> RequestRecord | None:
        query = sa.select(idempotency_records).where(
            idempotency_records.c.request_id == request_id,
            idempotency_records.c.created_at > sa.func.now() - self._retention,
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).one_or_none()
        if row is None:
            return None
        return RequestRecord(
            row.request_id, bytes(row.fingerprint), row.post_id, row.version, row.position
        )

    async def append(
        self, new_events: Sequence[NewEvent], state_after: PostState, request: RequestRecord | None
    ) -> int:
        """Appends atomically (in a batch with concurrent appends); returns the position of
        the last event appended."""
        return await self._appends.submit(_Append(new_events, state_after, request))

    async def drain(self) -> None:
        """Waits for the loads and appends under way (shutdown, before the engine is
        disposed)."""
        await self._loader.drain()
        await self._appends.drain()

    async def _append_batch(self, items: Sequence[_Append]) -> list[Outcome[int]]:
        """Rounds until every item has its outcome (see the module docstring)."""
        outcomes: list[Outcome[int] | None] = [None] * len(items)
        pending = _newest_per_post(items, outcomes)
        while pending:
            taken, deferred = _one_per_request(items, pending)
            try:
                results = await self._commit([items[i] for i in taken])
            except Exception as exc:  # noqa: BLE001 - earlier rounds may have committed: only
                # the callers not answered yet get it (of a first round: every caller).
                for i in pending:
                    outcomes[i] = exc
                break
            for i, result in zip(taken, results, strict=True):
                outcomes[i] = result
            pending = sorted(deferred + [i for i in taken if outcomes[i] is None])
        return [outcome for outcome in outcomes if outcome is not None]

    async def _commit(self, items: Sequence[_Append]) -> Sequence[Outcome[int] | None]:
        """One transaction, one statement. An item none of whose events got in lost a race and
        left no trace (`ConcurrentAppend`); the round commits with the others. An item only
        some of whose events got in, or whose request id has a live record, would leave rows
        that must not stay: the round is rolled back, those items get their errors and the
        others (None) run again."""
        batch = _Batch(items, self._snapshot_every)
        params = batch.params() | {"retention": self._retention, "channel": NOTIFY_CHANNEL}
        async with self._engine.connect() as conn, conn.begin() as transaction:
            rows = (await conn.execute(_APPEND_BATCH, params)).all()
            results, undo = _results(items, rows)
            if undo:
                await transaction.rollback()
                return [result if isinstance(result, Exception) else None for result in results]
        return results

    async def record_request(self, request: RequestRecord) -> None:
        """Remembers the result of a no-op command, so a retry gets the same answer."""
        try:
            async with self._engine.begin() as conn:
                await self._record_request(conn, request, request.position)
        except sqlalchemy.exc.IntegrityError as exc:
            raise _conflict(exc) from exc

    async def _record_request(
        self, conn: AsyncConnection, request: RequestRecord, position: int
    ) -> None:
        """Records the first result of a request id. An expired record of the same id is
        replaced (the id may be used again after the window); a live one means another call
        with this id committed first."""
        values = {
            "request_id": request.request_id,
            "fingerprint": request.fingerprint,
            "post_id": request.post_id,
            "version": request.version,
            "position": position,
            "created_at": sa.func.now(),
        }
        insert = pg_insert(idempotency_records).values(**values)
        upsert = insert.on_conflict_do_update(
            index_elements=[idempotency_records.c.request_id],
            set_={k: insert.excluded[k] for k in values if k != "request_id"},
            where=idempotency_records.c.created_at <= sa.func.now() - self._retention,
        ).returning(idempotency_records.c.request_id)
        if (await conn.execute(upsert)).one_or_none() is None:
            raise DuplicateRequest

    async def purge_requests(self) -> int:
        async with self._engine.begin() as conn:
            result = await conn.execute(
                sa.delete(idempotency_records).where(
                    idempotency_records.c.created_at <= sa.func.now() - self._retention
                )
            )
        count: int = result.rowcount
        return count


class _Batch:
    """The parameters of `_APPEND_BATCH` for some appends: one array per column."""

    def __init__(self, items: Sequence[_Append], snapshot_every: int) -> None:
        # Sorted by key (see _APPEND_BATCH): a post's versions ascending, posts in one order.
        self._events = sorted(
            (e for item in items for e in item.new_events),
            key=lambda e: (e.metadata.post_id, e.metadata.version),
        )
        self._snapshots = sorted(
            (i.state_after for i in items if _snapshot_due(i, snapshot_every)),
            key=lambda s: (s.post_id, s.version),
        )
        self._requests = sorted(
            ((i.request, i.last_key) for i in items if i.request is not None),
            key=lambda r: r[0].request_id,
        )

    @property
    def requests(self) -> int:
        return len(self._requests)

    def params(self) -> dict[str, Any]:
        return self._event_params() | self._side_params() | self._request_params()

    def _event_params(self) -> dict[str, Any]:
        metas = [e.metadata for e in self._events]
        return {
            "event_ids": [m.event_id for m in metas],
            "post_ids": [m.post_id for m in metas],
            "versions": [m.version for m in metas],
            "event_types": [e.type for e in self._events],
            "schema_versions": [e.schema_version for e in self._events],
            "data": [orjson.dumps(to_json_object(e.payload)).decode() for e in self._events],
            "actor_ids": [m.actor_id for m in metas],
            "callers": [m.caller for m in metas],
            "request_ids": [m.request_id for m in metas],
            "occurred_ats": [m.occurred_at for m in metas],
        }

    def _side_params(self) -> dict[str, Any]:
        created = sorted(
            (e.payload.author_id, e.payload.post_id)
            for e in self._events
            if isinstance(e.payload, PostCreated)
        )
        return {
            "author_ids": [author for author, _ in created],
            "created_ids": [post for _, post in created],
            "snapshot_ids": [s.post_id for s in self._snapshots],
            "snapshot_versions": [s.version for s in self._snapshots],
            "snapshot_schemas": [STATE_SCHEMA_VERSION] * len(self._snapshots),
            "snapshot_states": [STATE.dump_json(s).decode() for s in self._snapshots],
        }

    def _request_params(self) -> dict[str, Any]:
        return {
            "request_keys": [r.request_id for r, _ in self._requests],
            "fingerprints": [r.fingerprint for r, _ in self._requests],
            "request_post_ids": [r.post_id for r, _ in self._requests],
            "request_versions": [r.version for r, _ in self._requests],
            "last_post_ids": [post_id for _, (post_id, _) in self._requests],
            "last_versions": [version for _, (_, version) in self._requests],
        }


def _snapshot_due(item: _Append, every: int) -> bool:
    """Whether the append crosses a multiple of SNAPSHOT_EVERY."""
    first = item.new_events[0].metadata.version
    return item.state_after.version // every > (first - 1) // every


def _newest_per_post(items: Sequence[_Append], outcomes: list[Outcome[int] | None]) -> list[int]:
    """The items that may still commit, in order; the others get `ConcurrentAppend` now. Of a
    batch's appends of one post at most one can commit: none of them has committed, so each was
    decided on a state without the others, and all but the one decided on the newest version
    append a version that it (or an earlier writer) takes. Trying them in later rounds would
    only cost a rolled-back round each."""
    newest: dict[UUID, int] = {}
    for i, item in enumerate(items):
        post_id, version = item.first_key
        best = newest.get(post_id)
        if best is None or version > items[best].first_key[1]:
            newest[post_id] = i
    keep = set(newest.values())
    for i in range(len(items)):
        if i not in keep:
            outcomes[i] = ConcurrentAppend()
    return sorted(keep)


def _one_per_request(
    items: Sequence[_Append], pending: Sequence[int]
) -> tuple[list[int], list[int]]:
    """The pending items of a round, in order, and those deferred to the next: at most one item
    per request id in a round, so that no record is upserted twice in one statement (the later
    one then meets the earlier one's record: `DuplicateRequest`, and replays it)."""
    taken: list[int] = []
    deferred: list[int] = []
    requests: set[UUID] = set()
    for i in pending:
        request = items[i].request
        if request is not None and request.request_id in requests:
            deferred.append(i)
            continue
        taken.append(i)
        if request is not None:
            requests.add(request.request_id)
    return taken, deferred


def _results(items: Sequence[_Append], rows: Sequence[Any]) -> tuple[list[Outcome[int]], bool]:
    """Each item's position, or why it can't commit: its events were skipped (their keys were
    taken: `ConcurrentAppend`) or its request id has a live record (`DuplicateRequest`); and
    whether the round must be undone (an item with only some events in, or a duplicate)."""
    positions = {(row.post_id, row.version): int(row.position) for row in rows}
    recorded = set(rows[0].recorded or ()) if rows else set()
    results: list[Outcome[int]] = []
    undo = False
    for item in items:
        inserted = [(e.metadata.post_id, e.metadata.version) in positions for e in item.new_events]
        if not all(inserted):
            results.append(ConcurrentAppend())
            undo = undo or any(inserted)
        elif item.request is not None and item.request.request_id not in recorded:
            results.append(DuplicateRequest())
            undo = True
        else:
            results.append(positions[item.last_key])
    return results, undo


def _conflict(exc: sqlalchemy.exc.IntegrityError) -> Exception:
    cause = exc.orig.__cause__ if exc.orig is not None else None
    constraint = getattr(cause, "constraint_name", None)
    if isinstance(cause, asyncpg.UniqueViolationError):
        if constraint == "events_post_id_version_key":
            return ConcurrentAppend()
        if constraint == "idempotency_records_pkey":
            return DuplicateRequest()
    return exc
