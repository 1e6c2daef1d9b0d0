"""The next batch of committed events, in commit-safe order (event_contract.store)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract import StoredEvent
from event_contract.store import read_range, safe_head


@dataclass(frozen=True, slots=True)
class Batch:
    events: list[StoredEvent]
    # Every position <= up_to is final and read: the checkpoint may move here once `events`
    # are acknowledged. It can lie past the last event: positions of rolled-back appends
    # never appear, and skipping them now saves reading the gap again.
    up_to: int
    # The batch hit its limit: more is waiting, read again without sleeping.
    full: bool


async def read_batch(engine: AsyncEngine, after: int, limit: int, max_wait_s: float = 1.0) -> Batch:
    """Events after `after` up to the commit-safe horizon, at most `limit` of them. While a
    transaction that may hold a lower position is in flight (longer than `max_wait_s`), the
    batch is empty and `up_to` stays at `after`: the caller retries.

    Every statement here is a transaction of its own anyway (safe_head commits after each, for
    a new snapshot): on an engine in autocommit (the relay's `reads`) they skip BEGIN and
    COMMIT, and safe_head's commits are no-ops."""
    async with engine.connect() as conn:
        head = await safe_head(conn, max_wait_s)
        if head is None or head <= after:
            return Batch([], after, full=False)
        events = await read_range(conn, after, head, limit)
    if len(events) == limit:
        return Batch(events, events[-1].position, full=True)
    return Batch(events, head, full=False)
