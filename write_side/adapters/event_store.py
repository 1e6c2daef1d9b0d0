"""The write side's PostgreSQL event store: load a post, append its new events atomically.

One transaction per append: the events, the idempotency record, the posts-by-author row and,
every SNAPSHOT_EVERY versions, a snapshot. The unique (post_id, version) key is the optimistic
lock: of concurrent appends at the same version exactly one commits; the others get
`ConcurrentAppend` and decide again against the new state.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

import asyncpg
import sqlalchemy as sa
import sqlalchemy.exc
from pydantic import TypeAdapter
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from event_contract import NewEvent, PostCreated, to_json_object
from event_contract.store import NOTIFY_CHANNEL, read_post
from event_contract.store_schema import events
from write_side.adapters.tables import idempotency_records, posts_by_author, snapshots
from write_side.application.ports import (
    ConcurrentAppend,
    DuplicateRequest,
    LoadedPost,
    RequestRecord,
)
from write_side.domain import STATE_SCHEMA_VERSION, PostState, fold

_STATE = TypeAdapter(PostState)


class PostgresEventStore:
    def __init__(
        self, engine: AsyncEngine, snapshot_every: int, retention: timedelta = timedelta(hours=24)
    ) -> None:
        self._engine = engine
        self._snapshot_every = snapshot_every
        self._retention = retention

    async def load(self, post_id: UUID) -> LoadedPost:
        """Newest valid snapshot + the events after it (one short read-only transaction)."""
        async with self._engine.connect() as conn:
            start = await _snapshot(conn, post_id)
            later = await read_post(conn, post_id, after_version=start.version if start else 0)
        state = fold(start, later)
        position = later[-1].position if later else await self._position_of(state)
        return LoadedPost(state=state, position=position)

    async def _position_of(self, state: PostState | None) -> int:
        if state is None:
            return 0
        async with self._engine.connect() as conn:
            query = sa.select(events.c.position).where(
                events.c.post_id == state.post_id, events.c.version == state.version
            )
            return int(await conn.scalar(query) or 0)

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
        """Appends atomically; returns the position of the last event appended."""
        try:
            async with self._engine.begin() as conn:
                position = await _insert_events(conn, new_events)
                await self._record_side_tables(conn, new_events, state_after)
                if request is not None:
                    await self._record_request(conn, request, position)
                await conn.execute(sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, "")))
        except sqlalchemy.exc.IntegrityError as exc:
            raise _conflict(exc) from exc
        return position

    async def record_request(self, request: RequestRecord) -> None:
        """Remembers the result of a no-op command, so a retry gets the same answer."""
        try:
            async with self._engine.begin() as conn:
                await self._record_request(conn, request, request.position)
        except sqlalchemy.exc.IntegrityError as exc:
            raise _conflict(exc) from exc

    async def _record_side_tables(
        self, conn: AsyncConnection, new_events: Sequence[NewEvent], state: PostState
    ) -> None:
        for event in new_events:
            if isinstance(event.payload, PostCreated):
                await conn.execute(
                    sa.insert(posts_by_author).values(
                        author_id=event.payload.author_id, post_id=event.payload.post_id
                    )
                )
        first = new_events[0].metadata.version
        # A snapshot whenever this append crosses a multiple of SNAPSHOT_EVERY.
        if state.version // self._snapshot_every > (first - 1) // self._snapshot_every:
            await _save_snapshot(conn, state)

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


async def _insert_events(conn: AsyncConnection, new_events: Sequence[NewEvent]) -> int:
    rows = [
        {
            "event_id": e.metadata.event_id,
            "post_id": e.metadata.post_id,
            "version": e.metadata.version,
            "event_type": e.type,
            "schema_version": e.schema_version,
            "data": to_json_object(e.payload),
            "actor_id": e.metadata.actor_id,
            "caller": e.metadata.caller,
            "request_id": e.metadata.request_id,
            "occurred_at": e.metadata.occurred_at,
        }
        for e in new_events
    ]
    positions = (await conn.execute(sa.insert(events).returning(events.c.position), rows)).all()
    return int(max(p.position for p in positions))


async def _snapshot(conn: AsyncConnection, post_id: UUID) -> PostState | None:
    query = sa.select(snapshots.c.state).where(
        snapshots.c.post_id == post_id,
        # A snapshot of another state schema is ignored: folding from events is always right.
        snapshots.c.state_schema_version == STATE_SCHEMA_VERSION,
    )
    raw = await conn.scalar(query)
    return None if raw is None else _STATE.validate_python(raw)


async def _save_snapshot(conn: AsyncConnection, state: PostState) -> None:
    values = {
        "post_id": state.post_id,
        "version": state.version,
        "state_schema_version": STATE_SCHEMA_VERSION,
        "state": _STATE.dump_python(state, mode="json"),
    }
    statement = pg_insert(snapshots).values(**values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[snapshots.c.post_id],
            set_={k: statement.excluded[k] for k in values if k != "post_id"},
            where=snapshots.c.version < statement.excluded.version,
        )
    )


def _conflict(exc: sqlalchemy.exc.IntegrityError) -> Exception:
    cause = exc.orig.__cause__ if exc.orig is not None else None
    constraint = getattr(cause, "constraint_name", None)
    if isinstance(cause, asyncpg.UniqueViolationError):
        if constraint == "events_post_id_version_key":
            return ConcurrentAppend()
        if constraint == "idempotency_records_pkey":
            return DuplicateRequest()
    return exc
