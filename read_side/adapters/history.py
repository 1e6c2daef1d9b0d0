"""A post's past, folded from the event store with the read model's own fold (`apply_event`).

Both GetPostHistory and GetPostAt need the post as it is *now* as well (who may see it is
decided on the current post, and for GetPostAt on the post at that point too), so each reads
the post's whole history once, in chunks, folding as it goes: memory stays bounded by a chunk
and the page, however long the history.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from event_contract import StoredEvent
from read_side.adapters.event_reader import PostEventReader
from read_side.model import PostView, apply_event

# Events per read: few round trips for ordinary histories, bounded memory for long ones.
CHUNK = 100

# A version (1 = the post as created) or an instant.
type Point = int | datetime


@dataclass(slots=True)
class Folded:
    now: PostView | None = None  # None: the post does not exist
    then: PostView | None = None  # at the point asked for; None: it did not exist yet
    page: list[StoredEvent] = field(default_factory=list)


class PostHistory:
    def __init__(self, reader: PostEventReader) -> None:
        self._reader = reader

    async def page(self, post_id: UUID, after_version: int, limit: int) -> Folded:
        """The post now, and its first `limit` events after `after_version`."""
        folded = Folded()
        async for event in self._events(post_id):
            folded.now = apply_event(folded.now, event)
            if event.metadata.version > after_version and len(folded.page) < limit:
                folded.page.append(event)
        return folded

    async def at(self, post_id: UUID, point: Point) -> Folded:
        """The post now, and as it was right after its last event at or before `point`."""
        folded = Folded()
        async for event in self._events(post_id):
            folded.now = apply_event(folded.now, event)
            if _not_after(event, point):
                folded.then = folded.now
        return folded

    async def _events(self, post_id: UUID) -> AsyncIterator[StoredEvent]:
        after = 0
        while True:
            chunk = await self._reader.read(post_id, after, CHUNK)
            for event in chunk:
                yield event
            if len(chunk) < CHUNK:
                return
            after = chunk[-1].metadata.version


def _not_after(event: StoredEvent, point: Point) -> bool:
    if isinstance(point, datetime):
        return event.metadata.occurred_at <= point
    return event.metadata.version <= point
