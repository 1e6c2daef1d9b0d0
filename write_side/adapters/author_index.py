"""The posts of an author, from the write side's own index (`posts_by_author`).

Written in the same transaction as each PostCreated, so it is never behind the event store, as
the read model may be: work that must reach every post of an author (UserDeleted) reads here.
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from write_side.adapters.tables import posts_by_author


class PostsByAuthor:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def post_ids(self, author_id: UUID) -> list[UUID]:
        """Every post the author ever created, deleted ones too, oldest first (UUIDv7 ids)."""
        query = (
            sa.select(posts_by_author.c.post_id)
            .where(posts_by_author.c.author_id == author_id)
            .order_by(posts_by_author.c.post_id)
        )
        async with self._engine.connect() as conn:
            return list(await conn.scalars(query))
