"""Reading the event store: rows decoded into StoredEvents, and commit-safe reading by position.

The problem. Positions come from a sequence when a row is inserted, but transactions commit in
any order: transaction A may draw position 10, B position 11, and B commit first. A reader that
saw 11 and moved its checkpoint past it would never see 10. Reading by position is only safe up
to a *horizon* below which no position can still appear.

The solution (xid8 snapshots, no locks on the write path):
1. Every appending transaction takes its xid before it draws a position (the column default
   `next_event_position()` does both, in that order: migration 0001).
2. The reader first reads the sequence's last value M, then takes an xid X of its own and
   commits. Any position <= M was drawn before M was read, by a transaction that already had
   an xid; xids are handed out in increasing order, so that xid is below X.
3. The reader waits until no xid below X is in progress in a new snapshot; then everything
   <= M is final (committed and visible to any later snapshot, or aborted and never visible):
   it reads (checkpoint, M] in position order and can never skip a late commit.

Two traps this avoids. A snapshot lists in its xip only the in-progress xids below its xmax
(the latest *completed* xid + 1): an append holding the newest xid is in progress but not
listed, so "wait for S's xip" alone misses it. And the test is "still in progress for a new
snapshot", never the commit log (pg_xact_status in PostgreSQL 15): a committing transaction is
marked committed in the log before it leaves the proc array, and until then new snapshots
don't see its rows. Both made a live StreamEvents test under 16 concurrent writers lose events.

What it costs: three tiny queries per poll and one xid (nothing is written but the commit
record), and the reader waits for the transactions that were in flight when it took X,
typically an append's own commit (milliseconds). A long-running
*writing* transaction anywhere in the cluster (it has an xid) holds the horizon back until it
ends: readers fall behind (latency), they never skip or lose anything. Read-only transactions
have no xid and cost nothing. `safe_head` gives up after `max_wait_s` and returns the last horizon
it could prove, so a reader stays responsive and retries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from event_contract.codec import decode_data
from event_contract.envelope import EventMetadata, StoredEvent
from event_contract.store_schema import events

# Committed appends wake waiting readers with NOTIFY on this channel (payload: nothing).
# A lost notification only delays a reader until its next poll.
NOTIFY_CHANNEL = "post_events_appended"

_COLUMNS = (
    events.c.position,
    events.c.event_id,
    events.c.post_id,
    events.c.version,
    events.c.event_type,
    events.c.schema_version,
    # As text: the codec validates current-version JSON as it is, without a dict in between.
    sa.cast(events.c.data, sa.Text).label("data"),
    events.c.actor_id,
    events.c.caller,
    events.c.request_id,
    events.c.occurred_at,
)


def row_to_event(row: Any) -> StoredEvent:
    """The one way a stored row becomes an event: through the codec and its upcasters."""
    return StoredEvent(
        position=row.position,
        metadata=EventMetadata(
            event_id=row.event_id,
            post_id=row.post_id,
            version=row.version,
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            caller=row.caller,
            request_id=row.request_id,
        ),
        payload=decode_data(row.event_type, row.schema_version, row.data),
    )


async def safe_head(conn: AsyncConnection, max_wait_s: float = 1.0) -> int | None:
    """The highest position below which nothing can still appear, or None if in-flight
    transactions did not finish within `max_wait_s` (see the module docstring)."""
    last_drawn = await conn.scalar(sa.text("SELECT pg_sequence_last_value('events_position_seq')"))
    # Taken after M was read, so it is above the xid of every transaction holding a position
    # <= M; committed at once, so that later snapshots list every in-progress xid below it.
    # The commit writes nothing but its commit record: no need to wait for it to be flushed.
    # set_config(..., true) is SET LOCAL in the same statement that takes the xid: one round
    # trip less per poll (the setting only has to be in place before the commit).
    bound = await conn.scalar(
        sa.text(
            "SELECT pg_current_xact_id()::text FROM set_config('synchronous_commit', 'off', true)"
        )
    )
    await conn.commit()
    deadline = asyncio.get_running_loop().time() + max_wait_s
    delay = 0.0005
    while await _still_running(conn, bound):
        if asyncio.get_running_loop().time() >= deadline:
            return None
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)
    return int(last_drawn or 0)


async def _still_running(conn: AsyncConnection, bound: str) -> bool:
    """Whether a transaction with an xid below `bound` is in progress for a new snapshot (this
    statement's own: its xmax is above `bound`, whose transaction has completed)."""
    running = await conn.scalar(
        sa.text(
            # pg_snapshot_xip is itself set-returning (SETOF xid8): no unnest. The xid goes in
            # as text: asyncpg has no codec for xid8.
            "SELECT EXISTS (SELECT 1 FROM pg_snapshot_xip(pg_current_snapshot()) AS x"
            " WHERE x < CAST(CAST(:b AS text) AS xid8))"
        ),
        {"b": bound},
    )
    await conn.commit()
    return bool(running)


async def read_range(
    conn: AsyncConnection,
    after: int,
    up_to: int,
    limit: int,
    *,
    post_id: UUID | None = None,
    event_types: Sequence[str] = (),
) -> list[StoredEvent]:
    """Events with after < position <= up_to, in position order. Only call with an `up_to`
    from `safe_head` when the caller moves a checkpoint past what it reads."""
    query = (
        sa.select(*_COLUMNS)
        .where(events.c.position > after, events.c.position <= up_to)
        .order_by(events.c.position)
        .limit(limit)
    )
    if post_id is not None:
        query = query.where(events.c.post_id == post_id)
    if event_types:
        query = query.where(events.c.event_type.in_(list(event_types)))
    rows = (await conn.execute(query)).all()
    return [row_to_event(r) for r in rows]


async def read_post(
    conn: AsyncConnection,
    post_id: UUID,
    after_version: int = 0,
    up_to_version: int | None = None,
    limit: int | None = None,
) -> list[StoredEvent]:
    """One post's events in version order (one post's versions are committed in order)."""
    query = (
        sa.select(*_COLUMNS)
        .where(events.c.post_id == post_id, events.c.version > after_version)
        .order_by(events.c.version)
    )
    if up_to_version is not None:
        query = query.where(events.c.version <= up_to_version)
    if limit is not None:
        query = query.limit(limit)
    rows = (await conn.execute(query)).all()
    return [row_to_event(r) for r in rows]
