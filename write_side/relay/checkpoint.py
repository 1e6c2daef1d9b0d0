"""The relay's checkpoint: every event at or below it is acknowledged by the broker."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from write_side.adapters.tables import relay_checkpoints


async def load_checkpoint(engine: AsyncEngine, name: str) -> int:
    async with engine.connect() as conn:
        query = sa.select(relay_checkpoints.c.position).where(relay_checkpoints.c.name == name)
        return int(await conn.scalar(query) or 0)


async def save_checkpoint(engine: AsyncEngine, name: str, position: int) -> None:
    """Moves the checkpoint forward, never back. A deposed leader may still write here after a
    new leader moved further: GREATEST keeps the higher, and both values are true (each relay
    only writes what the broker acknowledged to it)."""
    statement = pg_insert(relay_checkpoints).values(name=name, position=position)
    statement = statement.on_conflict_do_update(
        index_elements=[relay_checkpoints.c.name],
        set_={
            "position": sa.func.greatest(relay_checkpoints.c.position, statement.excluded.position),
            "updated_at": sa.func.now(),
        },
    )
    async with engine.begin() as conn:
        await conn.execute(statement)


class Checkpoint:
    """The relay's checkpoint, saved at most every `interval_s` while events flow: only ever a
    position whose events the broker acknowledged, so a restart republishes at most the last
    interval's events (consumers see duplicates, never gaps)."""

    def __init__(self, engine: AsyncEngine, name: str, interval_s: float) -> None:
        self._engine = engine
        self._name = name
        self._interval_s = interval_s
        self._saved = self._acknowledged = 0
        self._due = 0.0

    async def load(self) -> int:
        self._saved = self._acknowledged = await load_checkpoint(self._engine, self._name)
        return self._saved

    async def save_when_due(self, acknowledged: int) -> None:
        self._acknowledged = max(self._acknowledged, acknowledged)
        now = asyncio.get_running_loop().time()
        if self._acknowledged > self._saved and now >= self._due:
            await save_checkpoint(self._engine, self._name, self._acknowledged)
            self._saved, self._due = self._acknowledged, now + self._interval_s

    def wait_at_most(self, poll_s: float) -> float:
        """How long the relay may sleep: until the next poll, or only until the pending save
        is due (the events stopped before it was)."""
        if self._acknowledged == self._saved:
            return poll_s
        return min(poll_s, max(self._due - asyncio.get_running_loop().time(), 0.0))
