"""`post-service projections status`: how far each part of the pipeline has got, how long since
it last moved, and whether it is stalled.

Parts: the event store (head = newest position), the relay (its checkpoint), the read model's
projection (its checkpoints per Kafka partition against Kafka's end offsets, and the newest
event position its views hold). A part is *stalled* when it has work waiting longer than the
threshold and has not moved for as long: a part that is behind but moving is only behind, and
one that has been idle because nothing came is not stalled the moment something does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract.store_schema import events
from read_side.adapters.relay_progress import relay_progress
from read_side.adapters.tables import post_view
from read_side.adapters.tables import projection_checkpoints as checkpoints
from read_side.operations.topic_offsets import TopicOffsets

# Counting what the relay has left is capped: a status must stay cheap on a huge backlog.
COUNT_CAP = 10_000_000


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    position: int | None  # event position (store, relay) or Kafka offset (partitions)
    target: int | None  # what it is measured against: the head, the end offset
    behind: int | None  # events or records waiting (None: unknown)
    waiting_s: float | None  # how long the oldest of them has waited
    idle_s: float | None  # since it last made progress (None: never)
    stalled: bool


@dataclass(frozen=True, slots=True)
class Status:
    stalled_after_s: float
    store: Part
    relay: Part
    partitions: list[Part]
    newest_applied_position: int | None  # the newest event the read model's views hold
    kafka_error: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class StatusSources:
    write_engine: AsyncEngine
    read_engine: AsyncEngine
    offsets: TopicOffsets
    topic: str

    async def status(self, stalled_after_s: float) -> Status:
        store = await self._store()
        relay = await self._relay(store.position or 0, stalled_after_s)
        partitions, kafka_error = await self._partitions(stalled_after_s)
        problems = [p.name for p in [relay, *partitions] if p.stalled]
        if kafka_error is not None:
            problems.append("kafka (unreachable: consumer lag unknown)")
        return Status(
            stalled_after_s,
            store,
            relay,
            partitions,
            await self._newest_applied(),
            kafka_error,
            problems,
        )

    async def _store(self) -> Part:
        query = sa.select(events.c.position, _age(events.c.recorded_at)).order_by(
            events.c.position.desc()
        )
        async with self.write_engine.connect() as conn:
            row = (await conn.execute(query.limit(1))).first()
        head, idle = (row[0], row[1]) if row else (0, None)
        return Part("event store", head, head, 0, None, idle, stalled=False)

    async def _relay(self, head: int, stalled_after_s: float) -> Part:
        relay = await relay_progress(self.write_engine, self.topic)
        position = relay.position if relay else 0
        pending = sa.select(events.c.position).where(events.c.position > position)
        oldest = (
            sa.select(_age(events.c.recorded_at))
            .where(events.c.position > position)
            .order_by(events.c.position)
            .limit(1)
        )
        async with self.write_engine.connect() as conn:
            behind = int(await conn.scalar(_count(pending)) or 0)
            waiting = await conn.scalar(oldest)
            now = await conn.scalar(sa.select(sa.func.now()))
        idle = (now - relay.updated_at).total_seconds() if relay and now else None
        stalled = _stalled(behind, waiting, idle, stalled_after_s)
        return Part("relay", position, head, behind, waiting, idle, stalled)

    async def _partitions(self, stalled_after_s: float) -> tuple[list[Part], str | None]:
        query = sa.select(
            checkpoints.c.partition, checkpoints.c.next_offset, _age(checkpoints.c.updated_at)
        ).where(checkpoints.c.topic == self.topic)
        async with self.read_engine.connect() as conn:
            applied: dict[int, tuple[int, float | None]] = {
                r[0]: (r[1], r[2]) for r in await conn.execute(query)
            }
            now = await conn.scalar(sa.select(sa.func.now()))
        try:
            ends = await self.offsets.end_offsets(self.topic)
            lagging = {p: applied.get(p, (0, None))[0] for p in ends}
            lagging = {p: offset for p, offset in lagging.items() if offset < ends[p]}
            times = await self.offsets.record_times(self.topic, lagging)
        except Exception as error:  # noqa: BLE001 - reported, not raised: the rest still shows
            parts = [
                _partition(p, offset, None, None, idle)
                for p, (offset, idle) in sorted(applied.items())
            ]
            return parts, str(error) or type(error).__name__
        parts = []
        for p, end in sorted(ends.items()):
            offset, idle = applied.get(p, (0, None))
            waiting = (now - times[p]).total_seconds() if now and p in times else None
            part = _partition(p, offset, end, waiting, idle)
            stalled = _stalled(part.behind or 0, waiting, idle, stalled_after_s)
            parts.append(replace(part, stalled=stalled))
        return parts, None

    async def _newest_applied(self) -> int | None:
        async with self.read_engine.connect() as conn:
            newest = await conn.scalar(sa.select(sa.func.max(post_view.c.position)))
        return None if newest is None else int(newest)


def _partition(
    p: int, offset: int, end: int | None, waiting: float | None, idle: float | None
) -> Part:
    behind = None if end is None else max(end - offset, 0)
    return Part(f"projector partition {p}", offset, end, behind, waiting, idle, stalled=False)


def _stalled(behind: int, waiting: float | None, idle: float | None, after: float) -> bool:
    """Work has waited longer than `after`, and the part has not moved for as long. A waiting
    time that could not be read counts as long (the part can't prove it is moving)."""
    if behind == 0:
        return False
    return (waiting is None or waiting > after) and (idle is None or idle > after)


def _age(moment: sa.ColumnElement[datetime]) -> sa.ColumnElement[float]:
    """Seconds since `moment`, by the database's clock (which wrote it)."""
    return sa.func.extract("epoch", sa.func.now() - moment).cast(sa.Float)


def _count(query: sa.Select[tuple[int]]) -> sa.Select[int]:
    capped = query.limit(COUNT_CAP).subquery()
    return sa.select(sa.func.count().cast(sa.BigInteger)).select_from(capped)
