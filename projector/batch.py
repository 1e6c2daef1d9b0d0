"""One batch of records → the read tables and the checkpoints, in ONE read-database transaction.

In order, inside the transaction:
1. the projection lock, shared (read_side.adapters.locks: a rebuild pauses us with it);
2. the checkpoint rows of the batch's partitions, locked: records below them were applied by
   someone else meanwhile and are dropped (checkpoints.lock_checkpoints);
3. the rest decoded; posts whose message did not decode are re-read from the store;
4. ProjectionWriter.apply: per post, versions not newer than the row change nothing, and a gap
   is filled from the store;
5. the checkpoints moved past every record of the batch.
Either all of it commits or none of it: a failed batch is retried whole by the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from edges.kafka.records import Record
from event_contract import StoredEvent
from projector.checkpoints import lock_checkpoints, save_checkpoints
from projector.decoding import decode_records
from projector.store import EventStoreReader
from read_side.adapters.locks import hold_projection_lock_shared
from read_side.adapters.projection import ProjectionWriter
from read_side.adapters.tables import post_view

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BatchResult:
    # Events that changed a row (redeliveries and already-applied records don't count).
    applied: int
    # Per partition of the batch, the offset to read next: what its checkpoint now says.
    next_offsets: dict[int, int]


class BatchApplier:
    def __init__(
        self,
        topic: str,
        read_engine: AsyncEngine,
        store: EventStoreReader,
        writer: ProjectionWriter,
    ) -> None:
        self._topic = topic
        self._read_engine = read_engine
        self._store = store
        self._writer = writer

    async def apply(self, records: Sequence[Record]) -> BatchResult:
        partitions = sorted({r.partition for r in records})
        async with self._read_engine.begin() as conn:
            await hold_projection_lock_shared(conn)
            applied_up_to = await lock_checkpoints(conn, self._topic, partitions)
            fresh = [r for r in records if r.offset >= applied_up_to[r.partition]]
            events = await self._events_of(conn, fresh)
            applied = await self._writer.apply(conn, events, self._store.events_between)
            next_offsets = _next_offsets(applied_up_to, records)
            await save_checkpoints(conn, self._topic, next_offsets)
        return BatchResult(applied, next_offsets)

    async def _events_of(
        self, conn: AsyncConnection, records: Sequence[Record]
    ) -> list[StoredEvent]:
        decoded = decode_records(records)
        for post_id in sorted(decoded.reread):
            # Everything the store has after the row: the writer skips what turns out applied.
            version = await conn.scalar(
                sa.select(post_view.c.version).where(post_view.c.post_id == post_id)
            )
            decoded.events += await self._store.events_after(post_id, version or 0)
        return decoded.events


def _next_offsets(applied_up_to: dict[int, int], records: Sequence[Record]) -> dict[int, int]:
    next_offsets = dict(applied_up_to)
    for record in records:
        next_offsets[record.partition] = max(next_offsets[record.partition], record.offset + 1)
    return next_offsets
