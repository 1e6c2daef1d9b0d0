"""Folding the event store into copies of the read tables, in global-position order.

The fold is the projector's own (ProjectionWriter with a table suffix): one fold, not two. It
folds a whole chunk in memory and writes each post, author and tag row once per chunk with a
few statements, so a chunk costs a handful of round trips, not one per event.

Chunks are short transactions on purpose: if the read tables share a PostgreSQL cluster with
the event store, every writing transaction holds the relay's commit-safe horizon back while it
runs (README, "Reading by position never skips a late commit"). And the next chunk is read and
decoded while the last one is written, so the two databases (and this process) work at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from event_contract import StoredEvent
from read_side.adapters.event_source import StoreEvents
from read_side.adapters.projection import ProjectionWriter
from read_side.operations.progress import Progress

# Events per read while a chunk is gathered (see `_read`).
READ_EVENTS = 2_000


class Replay:
    def __init__(
        self,
        source: StoreEvents,
        read_engine: AsyncEngine,
        writer: ProjectionWriter,
        chunk_events: int,
        progress: Progress,
        *,
        after_chunk: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._source = source
        self._read_engine = read_engine
        self._writer = writer
        self._chunk = chunk_events
        self._progress = progress
        self._after_chunk = after_chunk
        # The longest chunk transaction so far: what the relay may have waited for.
        self.longest_transaction_s = 0.0

    async def run(self, after: int, up_to: int) -> int:
        """Applies the events with after < position <= up_to (a commit-safe head), one
        transaction per chunk; returns how many there were."""
        done = 0
        reading = self._read_next(after, up_to)
        try:
            while events := await reading:
                reading = self._read_next(events[-1].position, up_to)
                started = time.monotonic()
                async with self._read_engine.begin() as conn:
                    await self._writer.apply(conn, events, self._source.post_events)
                took = time.monotonic() - started
                self.longest_transaction_s = max(self.longest_transaction_s, took)
                done += len(events)
                self._progress.advance(len(events))
                if self._after_chunk is not None:
                    await self._after_chunk()
        finally:
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reading
        return done

    async def apply_in(self, conn: AsyncConnection, after: int, up_to: int) -> int:
        """The same, inside the caller's transaction (the rebuild's last catch-up)."""
        done = 0
        while events := await self._source.read(after, up_to, self._chunk):
            await self._writer.apply(conn, events, self._source.post_events)
            after = events[-1].position
            done += len(events)
            self._progress.advance(len(events))
        return done

    def _read_next(self, after: int, up_to: int) -> asyncio.Task[list[StoredEvent]]:
        return asyncio.create_task(self._read(after, up_to))

    async def _read(self, after: int, up_to: int) -> list[StoredEvent]:
        """A chunk, in a few reads: decoding is CPU work that would otherwise hold up the
        event loop in one piece, and keep the chunk being written waiting for it."""
        events: list[StoredEvent] = []
        while len(events) < self._chunk:
            limit = min(READ_EVENTS, self._chunk - len(events))
            batch = await self._source.read(after, up_to, limit)
            events += batch
            if len(batch) < limit:
                break
            after = batch[-1].position
        return events
