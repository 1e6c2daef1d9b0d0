"""SearchPosts: PostgreSQL full-text search over post_view.search, most relevant first.

The query is parsed with websearch_to_tsquery ("quoted phrase", `or`, `-word`), which never
fails on user input, in the same text search configuration the projector wrote the vectors
with (SEARCH_CONFIG). Pages go by keyset on (rank, post_id): the rank of a post for a query is a
deterministic function of its row, so the order is stable from page to page; a post edited
between two pages may move, as in any live search.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.ext.asyncio import AsyncEngine

from read_side.adapters.page_tokens import Cursor, InvalidPageTokenError
from read_side.adapters.post_queries import view_columns
from read_side.adapters.rows import view_from_row
from read_side.adapters.tables import post_view
from read_side.adapters.visibility import Viewer, listed_for
from read_side.model import PostView


@dataclass(frozen=True, slots=True)
class SearchCursor:
    rank: float
    post_id: UUID

    def dump(self) -> Cursor:
        return {"r": self.rank, "id": str(self.post_id)}

    @classmethod
    def load(cls, cursor: Cursor) -> SearchCursor:
        try:
            return cls(float(cursor["r"]), UUID(cursor["id"]))
        except (KeyError, TypeError, ValueError):
            raise InvalidPageTokenError("not a page token of this server") from None


@dataclass(frozen=True, slots=True)
class Hit:
    view: PostView
    rank: float

    @property
    def cursor(self) -> SearchCursor:
        return SearchCursor(self.rank, self.view.post_id)


class SearchQueries:
    def __init__(self, engine: AsyncEngine, search_config: str) -> None:
        self._engine = engine
        self._config = search_config

    async def search(
        self, text: str, viewer: Viewer, after: SearchCursor | None, limit: int, *, with_body: bool
    ) -> list[Hit]:
        c = post_view.c
        tsquery = sa.func.websearch_to_tsquery(sa.cast(self._config, REGCONFIG), text)
        rank = sa.func.ts_rank(c.search, tsquery)
        query = (
            sa.select(*view_columns(with_body=with_body), rank.label("rank"))
            .where(c.search.bool_op("@@")(tsquery), listed_for(viewer, show_deleted=False))
            .order_by(rank.desc(), c.post_id.desc())
            .limit(limit)
        )
        if after is not None:
            # ts_rank is a real (float4): the cursor's rank is compared as one, so the value
            # that went out in the token compares equal to the row's own rank.
            last = sa.cast(after.rank, sa.REAL)
            query = query.where(
                sa.or_(rank < last, sa.and_(rank == last, c.post_id < after.post_id))
            )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [Hit(view_from_row(row), float(row.rank)) for row in rows]
