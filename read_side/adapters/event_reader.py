"""The read side's one door into the event store (the write database): a post's events.

GetPostHistory and GetPostAt read the source of truth, not the read model, so they are never
behind. They depend on the `PostEventReader` protocol only; `StoreEventReader` implements it
with `event_contract.store`, the one decoder of stored rows (upcasters included).
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract import StoredEvent
from event_contract.store import read_post


class PostEventReader(Protocol):
    async def read(self, post_id: UUID, after_version: int, limit: int) -> list[StoredEvent]:
        """Up to `limit` events of the post with version > after_version, in version order."""
        ...


class StoreEventReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine  # the write database's engine

    async def read(self, post_id: UUID, after_version: int, limit: int) -> list[StoredEvent]:
        async with self._engine.connect() as conn:
            return await read_post(conn, post_id, after_version=after_version, limit=limit)
