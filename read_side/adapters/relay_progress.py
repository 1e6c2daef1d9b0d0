"""How far the relay has published, as its checkpoint in the write database says.

The read side must not import the write side (DESIGN.md, dependency rule), so the table is
described here by the columns read, not imported: `relay_checkpoints(name, position,
updated_at)`, one row per relay checkpoint name (the relay names it after the topic).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

relay_checkpoints = sa.table(
    "relay_checkpoints",
    sa.column("name", sa.Text),
    sa.column("position", sa.BigInteger),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


@dataclass(frozen=True, slots=True)
class RelayProgress:
    # Every event at or below it is acknowledged by the broker.
    position: int
    updated_at: datetime


async def relay_progress(engine: AsyncEngine, topic: str) -> RelayProgress | None:
    """None before the relay's first publication to `topic`."""
    query = sa.select(relay_checkpoints.c.position, relay_checkpoints.c.updated_at).where(
        relay_checkpoints.c.name == topic
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return None if row is None else RelayProgress(row.position, row.updated_at)
