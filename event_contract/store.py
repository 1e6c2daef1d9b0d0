"""Reading the event store: rows decoded into StoredEvents, and commit-safe reading by position.

The problem. Positions come from a sequence when a row is inserted, but transactions commit in
any order: transaction A may draw position 10, B position 11, and B commit first. A reader that
saw 11 and moved its checkpoint past it would never see 10. Reading by position is only safe up
to a *horizon* below which no position can still appear.

The solution (xid8 snapshots, no locks on the write path):
1. Every appending transaction takes its xid before it draws a position (the column default
   `next_event_position()` does both, in that order: migration 0001).
2. The reader first reads the sequence's last value M, then takes a snapshot S. Any position
   <= M was drawn before M was read, by a transaction that already had an xid; so that
   transaction either committed before S (its rows are visible) or is listed in S's xip
   (in progress), or it aborted (its positions never appear).
3. The reader waits until every xid in S's xip has finished, then everything <= M is final:
   it reads (checkpoint, M] in position order and can never skip a late commit.

What it costs: two tiny queries per poll, and the reader waits for the transactions that were
in flight when it took S, typically an append's own commit (milliseconds). A long-running
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
    events.c.data,
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
    await conn.commit()  # the next statement must take a snapshot of its own, after M was read
    snapshot = await conn.scalar(sa.text("SELECT pg_current_snapshot()::text"))
    await conn.commit()
    deadline = asyncio.get_running_loop().time() + max_wait_s
    delay = 0.0005
    while await _still_running(conn, snapshot):
        if asyncio.get_running_loop().time() >= deadline:
            return None
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)
    return int(last_drawn or 0)


async def _still_running(conn: AsyncConnection, snapshot: str) -> bool:
    running = await conn.scalar(
        sa.text(
            "SELECT EXISTS (SELECT 1 FROM unnest(pg_snapshot_xip(CAST(:s AS pg_snapshot))) AS x"
            " WHERE pg_xact_status(x) = 'in progress')"
        ),
        {"s": snapshot},
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
