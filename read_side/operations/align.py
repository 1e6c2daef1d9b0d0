"""A one-table rebuild: bringing the shadow tables to the versions the live post_view holds.

Why. The projector keeps the counters by differences between a post's view before and after an
event. Swapping in all three tables at the store's head is consistent: the projector's version
checks then skip what the new post_view holds, and its later differences start from it. But
swapping in one table alone would pair it with live tables at other versions: a post the
projector is behind on would be counted at the head in a new tag_stats, and counted again when
the projector applies its events against the old post_view.

So before a one-table swap (projectors paused), every post whose live version differs from the
shadow's is refolded from the store up to its live version (or removed, if the live table does
not have it yet), and the counters of its author and tags are recounted from the shadow views.
The shadow tables then hold exactly the store folded at the live post_view's versions, and any
of them can be swapped in. The live post_view is trusted: a post it holds at a version the
store does not have means it is damaged, and only a full rebuild repairs that.
"""

# ruff: noqa: S608 - SQL is built from our own table names, never from input

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from read_side.adapters.event_source import StoreEvents
from read_side.adapters.projection import ProjectionWriter
from read_side.operations.copies import Copies, SwapError
from read_side.operations.counters import author_counts, tag_counts

# Posts of the shadow whose live version differs (None: not in the live table yet).
_DIFFERENT = """
    SELECT s.post_id, s.version AS shadow, l.version AS live, s.author_id, s.tags
    FROM {shadow} s LEFT JOIN post_view l ON l.post_id = s.post_id
    WHERE l.version IS DISTINCT FROM s.version
"""


async def align_to_live(
    conn: AsyncConnection, shadow: Copies, writer: ProjectionWriter, source: StoreEvents
) -> int:
    """Inside the caller's transaction; returns how many posts were realigned."""
    views = shadow.name("post_view")
    rows = (await conn.execute(sa.text(_DIFFERENT.format(shadow=views)))).all()
    for row in rows:
        if row.live is not None and row.live > row.shadow:
            raise SwapError(
                f"post_view holds post {row.post_id} at version {row.live}, the store only"
                f" {row.shadow}: post_view is damaged; rebuild all tables"
            )
    if not rows:
        return 0
    ids = [r.post_id for r in rows]
    await conn.execute(sa.text(f"DELETE FROM {views} WHERE post_id = ANY(:ids)"), {"ids": ids})
    events = [e for r in rows if r.live for e in await source.post_events(r.post_id, 0, r.live)]
    await writer.apply(conn, events, source.post_events)
    now = await conn.execute(
        sa.text(f"SELECT tags FROM {views} WHERE post_id = ANY(:ids)"), {"ids": ids}
    )
    tags = {tag for r in rows for tag in r.tags} | {tag for (t,) in now for tag in t}
    await _recount(conn, shadow, sorted({r.author_id for r in rows}), sorted(tags))
    return len(ids)


async def _recount(
    conn: AsyncConnection, shadow: Copies, authors: list[UUID], tags: list[str]
) -> None:
    """These authors' and tags' rows, counted afresh from the shadow views (the differences
    the writer added can't be taken back: last_published_at is a maximum)."""
    views, author_table, tag_table = (
        shadow.name(t) for t in ("post_view", "author_stats", "tag_stats")
    )
    by_author: dict[str, object] = {"a": authors}
    by_tag: dict[str, object] = {"t": tags}
    author_columns = "author_id, post_count, published_count, last_published_at"
    tag_filter = "tags && CAST(:t AS text[]) AND tag = ANY(CAST(:t AS text[]))"
    recount_authors = f"INSERT INTO {author_table} ({author_columns}) " + author_counts(
        views, "author_id = ANY(:a)"
    )
    statements = [
        (f"DELETE FROM {author_table} WHERE author_id = ANY(:a)", by_author),
        (recount_authors, by_author),
        (f"DELETE FROM {tag_table} WHERE tag = ANY(:t)", by_tag),
        (f"INSERT INTO {tag_table} (tag, post_count) {tag_counts(views, tag_filter)}", by_tag),
    ]
    for sql, params in statements:
        await conn.execute(sa.text(sql), params)
