"""Waiting until the live read model holds every event up to a head H (verify's first step).

Events reach the read tables through the relay, Kafka and the projector, so "applied up to H"
is proved in that order:
1. the relay's checkpoint is at or past H: every event up to H is acknowledged by the broker;
2. then Kafka's end offsets E are read: those records are below E in their partitions;
3. then the projector's checkpoints (in the read database) reach E on every partition.
From then on every post's live version is at least its version at H: a post behind it is a
real difference, not lag. Bounded: if it takes too long (the projector is stopped, Kafka is
down) verify goes on and says so, and posts the projector is behind on show as differences.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from read_side.adapters.relay_progress import relay_progress
from read_side.adapters.tables import projection_checkpoints as checkpoints
from read_side.operations.topic_offsets import TopicOffsets

POLL_S = 0.2


@dataclass(frozen=True, slots=True)
class AppliedUpTo:
    head: int
    reached: bool
    why_not: str = ""


class PipelineProgress:
    """Where to look: the write database (relay), Kafka, the read database (projector)."""

    def __init__(
        self,
        write_engine: AsyncEngine,
        read_engine: AsyncEngine,
        offsets: TopicOffsets,
        topic: str,
    ) -> None:
        self._write_engine = write_engine
        self._read_engine = read_engine
        self._offsets = offsets
        self._topic = topic
        self._stage = ""

    async def wait_applied(self, head: int, timeout_s: float) -> AppliedUpTo:
        try:
            async with asyncio.timeout(timeout_s):
                return await self._wait(head)
        except TimeoutError:
            return AppliedUpTo(head, reached=False, why_not=self._stage)

    async def _wait(self, head: int) -> AppliedUpTo:
        self._stage = f"the relay had not published up to position {head}"
        await _until(lambda: self._relay_reached(head))
        self._stage = "Kafka's end offsets could not be read"
        ends = await self._end_offsets()
        self._stage = f"the projector had not reached Kafka's end offsets {ends}"
        await _until(lambda: self._projector_reached(ends))
        return AppliedUpTo(head, reached=True)

    async def _relay_reached(self, head: int) -> bool:
        relay = await relay_progress(self._write_engine, self._topic)
        return head == 0 or (relay is not None and relay.position >= head)

    async def _end_offsets(self) -> dict[int, int]:
        while True:
            try:
                return await self._offsets.end_offsets(self._topic)
            except Exception:  # noqa: BLE001 - the broker may be away: try until the timeout
                await asyncio.sleep(POLL_S)

    async def _projector_reached(self, ends: dict[int, int]) -> bool:
        query = sa.select(checkpoints.c.partition, checkpoints.c.next_offset).where(
            checkpoints.c.topic == self._topic
        )
        async with self._read_engine.connect() as conn:
            applied = {row.partition: row.next_offset for row in await conn.execute(query)}
        return all(applied.get(p, 0) >= end for p, end in ends.items())


async def _until(check: Callable[[], Awaitable[bool]]) -> None:
    while not await check():  # noqa: ASYNC110 - polling other processes' progress
        await asyncio.sleep(POLL_S)
