"""The projector's door into the event store (the write database), read-only: one post's
events, to fill a gap and to replace a message that did not decode."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract import StoredEvent
from event_contract.store import read_post


class EventStoreReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def events_between(
        self, post_id: UUID, after_version: int, up_to_version: int
    ) -> list[StoredEvent]:
        """The ProjectionWriter's GapFiller. One post's versions are committed in order, so
        whatever reached Kafka is in the store, and everything below it too."""
        async with self._engine.connect() as conn:
            return await read_post(conn, post_id, after_version, up_to_version)

    async def events_after(self, post_id: UUID, after_version: int) -> list[StoredEvent]:
        async with self._engine.connect() as conn:
            return await read_post(conn, post_id, after_version)
