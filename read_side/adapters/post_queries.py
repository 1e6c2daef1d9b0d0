"""BatchGetPosts and ListPosts on post_view, with the caller's visibility in the SQL (GetPost's
single posts are coalesced lookups: post_lookup).

ListPosts pages by keyset: newest first by (created_at, post_id), each page starting strictly
after the last row of the previous one. A new post is newer than every page already read, so
pages never shift while posts arrive: nothing is repeated and nothing that existed is skipped.
Visibility is part of the WHERE clause, so a page is never short because rows were dropped
after the fact, and an invisible post is never even read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract import PostStatus
from read_side.adapters.page_tokens import Cursor, InvalidPageTokenError
from read_side.adapters.rows import view_from_row
from read_side.adapters.tables import post_view
from read_side.adapters.visibility import Viewer, listed_for, readable_by_id
from read_side.model import PostView


@dataclass(frozen=True, slots=True)
class ListFilters:
    author_id: UUID | None = None
    status: PostStatus | None = None
    tag: str | None = None
    show_deleted: bool = False


@dataclass(frozen=True, slots=True)
class ListCursor:
    """The last post of a page: the next page starts right after it."""

    created_at: datetime
    post_id: UUID

    @classmethod
    def after(cls, view: PostView) -> ListCursor:
        return cls(view.created_at, view.post_id)

    def dump(self) -> Cursor:
        return {"t": self.created_at.isoformat(), "id": str(self.post_id)}

    @classmethod
    def load(cls, cursor: Cursor) -> ListCursor:
        try:
            return cls(datetime.fromisoformat(cursor["t"]), UUID(cursor["id"]))
        except (KeyError, TypeError, ValueError):
            raise InvalidPageTokenError("not a page token of this server") from None


def view_columns(*, with_body: bool) -> list[Any]:
    """post_view's columns for a PostView; without the body (up to 100,000 code points) for
    the BASIC view, whose replies leave it empty anyway."""
    body = post_view.c.body if with_body else sa.literal("").label("body")
    return [body if c.name == "body" else c for c in post_view.c if c.name != "search"]


class PostQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get_many(
        self, post_ids: Sequence[UUID], viewer: Viewer, *, show_deleted: bool, with_body: bool
    ) -> dict[UUID, PostView]:
        """The posts among `post_ids` that the viewer may read, by id."""
        query = sa.select(*view_columns(with_body=with_body)).where(
            post_view.c.post_id.in_(list(post_ids)),
            readable_by_id(viewer, show_deleted=show_deleted),
        )
        views = await self._fetch(query)
        return {view.post_id: view for view in views}

    async def list_page(
        self,
        filters: ListFilters,
        viewer: Viewer,
        after: ListCursor | None,
        limit: int,
        *,
        with_body: bool,
    ) -> list[PostView]:
        c = post_view.c
        query = (
            sa.select(*view_columns(with_body=with_body))
            .where(listed_for(viewer, show_deleted=filters.show_deleted), *_matching(filters))
            .order_by(c.created_at.desc(), c.post_id.desc())
            .limit(limit)
        )
        if after is not None:
            # A row comparison, which the (created_at DESC, post_id DESC) indexes serve directly.
            query = query.where(
                sa.tuple_(c.created_at, c.post_id) < (after.created_at, after.post_id)
            )
        return await self._fetch(query)

    async def _fetch(self, query: sa.Select[Any]) -> list[PostView]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [view_from_row(row) for row in rows]


def _matching(filters: ListFilters) -> list[sa.ColumnElement[bool]]:
    c = post_view.c
    clauses: list[sa.ColumnElement[bool]] = []
    if filters.author_id is not None:
        clauses.append(c.author_id == filters.author_id)
    if filters.status is not None:
        clauses.append(c.status == filters.status.value)
    if filters.tag is not None:
        clauses.append(c.tags.contains([filters.tag]))  # tags @> ARRAY[tag]: the GIN index
    return clauses
