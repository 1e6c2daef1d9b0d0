"""The read model two ways: as folding the whole event store gives it (with `read_side.model`,
the fold the projector uses), and as the read tables hold it; and what differs between them.

Reusable wherever the read tables must equal the store: projector tests, rebuild and verify.
Counters are compared as values: a tag whose count went back to 0 may keep its row in the live
table, while a fold from scratch never creates it, so zero counts are left out on both sides.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from event_contract import StoredEvent
from event_contract.store import read_range
from event_contract.store_schema import events as events_table
from post_service.bootstrap import make_engine
from read_side.adapters.rows import view_from_row
from read_side.adapters.tables import author_stats, post_view, tag_stats
from read_side.model import PostView, fold_view, stats_delta


@dataclass(frozen=True)
class AuthorCounts:
    posts: int
    published: int
    last_published_at: datetime | None


@dataclass
class ReadModel:
    views: dict[UUID, PostView] = field(default_factory=dict)
    authors: dict[UUID, AuthorCounts] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)


async def fold_event_store(conn: AsyncConnection) -> ReadModel:
    """What the read tables must hold once every stored event is applied."""
    by_post: dict[UUID, list[StoredEvent]] = defaultdict(list)
    for event in await _all_events(conn):
        by_post[event.metadata.post_id].append(event)
    views = {post_id: fold_view(None, events) for post_id, events in by_post.items()}
    folded = {post_id: view for post_id, view in views.items() if view is not None}
    delta = stats_delta((None, view) for view in folded.values())
    authors = {
        author_id: AuthorCounts(d.posts, d.published, d.last_published_at)
        for author_id, d in delta.authors.items()
    }
    return ReadModel(folded, authors, {tag: n for tag, n in delta.tags.items() if n})


async def _all_events(conn: AsyncConnection) -> list[StoredEvent]:
    last = await conn.scalar(sa.select(sa.func.max(events_table.c.position)))
    if last is None:
        return []
    # Position order is each post's version order too.
    return await read_range(conn, 0, last, limit=last)


async def load_read_tables(conn: AsyncConnection) -> ReadModel:
    views = {row.post_id: view_from_row(row) for row in await conn.execute(sa.select(post_view))}
    authors = {
        row.author_id: AuthorCounts(row.post_count, row.published_count, row.last_published_at)
        for row in await conn.execute(sa.select(author_stats))
    }
    tags = {
        row.tag: row.post_count
        for row in await conn.execute(sa.select(tag_stats).where(tag_stats.c.post_count != 0))
    }
    return ReadModel(views, authors, tags)


def differences(expected: ReadModel, actual: ReadModel) -> list[str]:
    """One line per differing row: empty when the read tables equal the fold."""
    found: list[str] = []
    for name in ("views", "authors", "tags"):
        want, have = getattr(expected, name), getattr(actual, name)
        found += [
            f"{name}[{key}]: expected {want.get(key)}, found {have.get(key)}"
            for key in sorted(set(want) | set(have), key=str)
            if want.get(key) != have.get(key)
        ]
    return found


async def compare_with_event_store(write: AsyncEngine, read: AsyncEngine) -> list[str]:
    async with write.connect() as w, read.connect() as r:
        return differences(await fold_event_store(w), await load_read_tables(r))


async def wait_until_read_model_matches(
    write_url: str, read_url: str, within_s: float = 30, min_posts: int = 1
) -> ReadModel:
    """Polls until the read tables equal the fold of the store (holding at least `min_posts`
    posts); fails with the remaining differences if they never do. Returns the read model."""
    write, read = make_engine(write_url, pool_size=2), make_engine(read_url, pool_size=2)
    found: list[str] = ["nothing compared yet"]
    try:
        async with asyncio.timeout(within_s):
            while True:
                found = await compare_with_event_store(write, read)
                async with read.connect() as conn:
                    model = await load_read_tables(conn)
                if not found and len(model.views) >= min_posts:
                    return model
                await asyncio.sleep(0.1)
    except TimeoutError:
        shown = "\n".join(found[:10])
        raise AssertionError(f"{len(found)} differences after {within_s}s:\n{shown}") from None
    finally:
        await write.dispose()
        await read.dispose()
