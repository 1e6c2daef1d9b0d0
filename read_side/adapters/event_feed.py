"""StreamEvents' source: the event store in global position order, stored events then live ones.

Reads only up to the commit-safe head (CommitHorizon), so a position whose transaction is
still in flight is never skipped: the stream waits for it instead.

Back-pressure: `events` is an async generator that reads one bounded page (one query on a
pooled connection, given back at once) only when its consumer asks for the next event. Under
grpc.aio the consumer asks only when the transport has room, so a slow subscriber holds at
most one page plus what HTTP/2 flow control lets into the socket, never a growing buffer; and
no database connection is held while it waits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract import StoredEvent
from event_contract.store import read_range
from read_side.adapters.commit_horizon import CommitHorizon, StreamClosedError

PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Filters combine with AND; empty ones let everything through."""

    post_id: UUID | None = None
    event_types: tuple[str, ...] = ()


class EventFeed:
    def __init__(
        self, engine: AsyncEngine, horizon: CommitHorizon, page_size: int = PAGE_SIZE
    ) -> None:
        self._engine = engine  # the write database: the event store
        self._horizon = horizon
        self._page_size = page_size

    async def events(self, after: int, only: EventFilter) -> AsyncIterator[StoredEvent]:
        """The events after position `after` that match `only`, forever. Ends only with
        StreamClosedError (the server is shutting down) or a database error."""
        head = after
        while True:
            if after >= head:
                head = await self._horizon.beyond(after)
            page = await self._read(after, head, only)
            # A full page may stop short of the head; otherwise everything up to the head is
            # read, including positions that belong to rolled-back appends or other filters.
            after = page[-1].position if len(page) == self._page_size else head
            for event in page:
                # Checked per event: a stream that is behind ends promptly too, unless flow
                # control blocks it in `yield` (then the server's grace period cancels it).
                if self._horizon.closed:
                    raise StreamClosedError
                yield event

    async def _read(self, after: int, head: int, only: EventFilter) -> list[StoredEvent]:
        async with self._engine.connect() as conn:
            return await read_range(
                conn,
                after,
                head,
                self._page_size,
                post_id=only.post_id,
                event_types=only.event_types,
            )
