"""The event store as the rebuild and verify read it (the write database, read-only): the
commit-safe head, events by position, one post's events, and how many events lie between.

Everything goes through `event_contract.store`, the one decoder of stored rows (upcasters
included), and by position only up to a head that `safe_head` proved, so a replay never skips
an append that was still in flight when it read.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract import StoredEvent
from event_contract.store import read_post, read_range, safe_head
from event_contract.store_schema import events


class HeadUnavailableError(RuntimeError):
    """In-flight appends kept the commit-safe head from being proved for too long."""


class StoreEvents:
    def __init__(self, engine: AsyncEngine, head_patience_s: float = 30.0) -> None:
        self._engine = engine  # the write database's
        self._patience_s = head_patience_s

    async def head(self, patience_s: float | None = None) -> int:
        """A position below which nothing can still appear. Retries while appends are in flight
        (each try waits up to a second); raises if that lasts `patience_s` (default: the
        `head_patience_s` given at construction)."""
        patience = self._patience_s if patience_s is None else patience_s
        deadline = asyncio.get_running_loop().time() + patience
        while True:
            async with self._engine.connect() as conn:
                head = await safe_head(conn, max_wait_s=min(1.0, patience))
            if head is not None:
                return head
            if asyncio.get_running_loop().time() >= deadline:
                raise HeadUnavailableError(
                    f"no commit-safe head within {patience:.0f}s: a long writing"
                    " transaction in this PostgreSQL cluster holds it back"
                )

    async def read(self, after: int, up_to: int, limit: int) -> list[StoredEvent]:
        async with self._engine.connect() as conn:
            return await read_range(conn, after, up_to, limit)

    async def post_events(
        self, post_id: UUID, after_version: int, up_to_version: int
    ) -> list[StoredEvent]:
        """One post's events in that range: the ProjectionWriter's GapFiller."""
        async with self._engine.connect() as conn:
            return await read_post(conn, post_id, after_version, up_to_version)

    async def count(self, after: int, up_to: int) -> int:
        """Events with after < position <= up_to (positions have holes: aborted appends)."""
        query = sa.select(sa.func.count()).where(
            events.c.position > after, events.c.position <= up_to
        )
        async with self._engine.connect() as conn:
            return int(await conn.scalar(query) or 0)
