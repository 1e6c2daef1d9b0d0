"""GetAuthorStats: an author's post counts, without leaking the posts others may not see.

author_stats counts every post that is not deleted, drafts and PRIVATE ones included, and its
published count includes published PRIVATE posts: shown to anyone, those numbers would tell
that such posts exist. So the author and moderators get author_stats as the projector keeps it,
and everyone else gets counts over the author's posts they may see listed (published PUBLIC
ones), counted live from post_view: exactly what ListPosts would show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from read_side.adapters.tables import author_stats, post_view
from read_side.adapters.visibility import Viewer, listed_for

_ANYONE = Viewer(actor_id=None)


@dataclass(frozen=True, slots=True)
class AuthorCounts:
    author_id: UUID
    post_count: int
    published_count: int
    last_published_at: datetime | None


class StatsQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def author(self, author_id: UUID, viewer: Viewer) -> AuthorCounts:
        if viewer.sees_everything_of(author_id):
            return await self._all_posts(author_id)
        return await self._listed_posts(author_id)

    async def _all_posts(self, author_id: UUID) -> AuthorCounts:
        query = sa.select(author_stats).where(author_stats.c.author_id == author_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).one_or_none()
        if row is None:  # no posts yet: zero counts, not NOT_FOUND
            return AuthorCounts(author_id, 0, 0, None)
        return AuthorCounts(author_id, row.post_count, row.published_count, row.last_published_at)

    async def _listed_posts(self, author_id: UUID) -> AuthorCounts:
        query = sa.select(sa.func.count(), sa.func.max(post_view.c.published_at)).where(
            post_view.c.author_id == author_id, listed_for(_ANYONE, show_deleted=False)
        )
        async with self._engine.connect() as conn:
            count, last_published_at = (await conn.execute(query)).one()
        return AuthorCounts(author_id, count, count, last_published_at)
