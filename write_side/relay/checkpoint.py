"""The relay's checkpoint: every event at or below it is acknowledged by the broker."""

from __future__ import annotations

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
