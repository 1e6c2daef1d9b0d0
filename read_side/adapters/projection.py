"""Applies a batch of stored events to the read tables, inside the caller's transaction.

Exactly once in effect (guarantee 3): a post's row is locked, events at or below its version
are skipped, and a gap (version n+2 before n+1) is filled from the event store before going
on. Counters change by the difference between a post's view before and after, so they can't
drift. Rows are locked and written in a fixed key order (post id, author id, tag), so two
writers (two projectors, a projector and a rebuild) wait for each other but never deadlock.
The caller writes its checkpoint in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from event_contract import StoredEvent
from read_side.adapters.rows import row_from_view, view_from_row
from read_side.model import PostView, StatsDelta, apply_event, stats_delta

# Wakes GetPost calls waiting for a min_version; the payload is unused.
VIEW_CHANGED_CHANNEL = "post_view_changed"

# (post_id, after_version, up_to_version) -> the post's events in that range, from the store.
GapFiller = Callable[[UUID, int, int], Awaitable[list[StoredEvent]]]

_UPSERT_VIEW = """
    INSERT INTO {table} (post_id, author_id, title, body, excerpt, tags, visibility, status,
        created_at, updated_at, published_at, deleted_at, version, position, search)
    VALUES (:post_id, :author_id, :title, :body, :excerpt, :tags, :visibility, :status,
        :created_at, :updated_at, :published_at, :deleted_at, :version, :position,
        CASE WHEN :text_changed THEN
            to_tsvector(CAST(:search_config AS regconfig),
                        CAST(:title AS text) || ' ' || CAST(:body AS text) || ' '
                        || array_to_string(CAST(:tags AS text[]), ' '))
        ELSE CAST('' AS tsvector) END)
    ON CONFLICT (post_id) DO UPDATE SET
        title = excluded.title, body = excluded.body, excerpt = excluded.excerpt,
        tags = excluded.tags, visibility = excluded.visibility, status = excluded.status,
        updated_at = excluded.updated_at, published_at = excluded.published_at,
        deleted_at = excluded.deleted_at, version = excluded.version,
        position = excluded.position,
        search = CASE WHEN :text_changed THEN excluded.search ELSE {table}.search END
    WHERE {table}.version < excluded.version
"""

_VIEW_COLUMNS = (
    "post_id, author_id, title, body, excerpt, tags, visibility, status, created_at,"
    " updated_at, published_at, deleted_at, version, position"
)

_UPSERT_AUTHOR = """
    INSERT INTO {table} (author_id, post_count, published_count, last_published_at)
    VALUES (:author_id, :posts, :published, :last_published_at)
    ON CONFLICT (author_id) DO UPDATE SET
        post_count = {table}.post_count + excluded.post_count,
        published_count = {table}.published_count + excluded.published_count,
        last_published_at = GREATEST({table}.last_published_at, excluded.last_published_at)
"""

_UPSERT_TAG = """
    INSERT INTO {table} (tag, post_count) VALUES (:tag, :delta)
    ON CONFLICT (tag) DO UPDATE SET post_count = {table}.post_count + excluded.post_count
"""


class GapNotFilledError(RuntimeError):
    def __init__(self, post_id: UUID, version: int) -> None:
        super().__init__(f"post {post_id}: versions before {version} missing from the store")


class ProjectionWriter:
    """Writes into the live tables, or into shadow tables of the same shape (rebuild)."""

    def __init__(self, search_config: str, table_suffix: str = "") -> None:
        self._search_config = search_config
        self._views = f"post_view{table_suffix}"
        self._authors = f"author_stats{table_suffix}"
        self._tags = f"tag_stats{table_suffix}"

    async def apply(
        self, conn: AsyncConnection, events: Sequence[StoredEvent], fill_gap: GapFiller
    ) -> int:
        """Applies what is new in `events`; returns how many events changed a row."""
        by_post = _group(events)
        current = await self._lock_views(conn, sorted(by_post))
        changes: list[tuple[PostView | None, PostView]] = []
        applied = 0
        for post_id in sorted(by_post):
            before = current.get(post_id)
            after, count = await _catch_up(before, by_post[post_id], fill_gap)
            if after is not None and count:
                changes.append((before, after))
                applied += count
        await self._write(conn, changes)
        return applied

    async def _lock_views(
        self, conn: AsyncConnection, post_ids: list[UUID]
    ) -> dict[UUID, PostView]:
        if not post_ids:
            return {}
        # Every column but the search vector: it is not part of the view, and reading it
        # back would detoast and ship kilobytes per post for nothing.
        query = sa.text(
            f"SELECT {_VIEW_COLUMNS} FROM {self._views} WHERE post_id = ANY(:ids)"  # noqa: S608 - table names are ours
            " ORDER BY post_id FOR UPDATE"
        )
        rows = (await conn.execute(query, {"ids": post_ids})).all()
        return {row.post_id: view_from_row(row) for row in rows}

    async def _write(
        self, conn: AsyncConnection, changes: list[tuple[PostView | None, PostView]]
    ) -> None:
        if not changes:
            return
        rows = [
            {
                **row_from_view(after),
                "search_config": self._search_config,
                "text_changed": _text_changed(before, after),
            }
            for before, after in changes
        ]
        await conn.execute(sa.text(_UPSERT_VIEW.format(table=self._views)), rows)
        await self._write_stats(conn, stats_delta(changes))
        await conn.execute(sa.select(sa.func.pg_notify(VIEW_CHANGED_CHANNEL, "")))

    async def _write_stats(self, conn: AsyncConnection, delta: StatsDelta) -> None:
        authors = [
            {
                "author_id": author_id,
                "posts": d.posts,
                "published": d.published,
                "last_published_at": d.last_published_at,
            }
            for author_id, d in sorted(delta.authors.items())
        ]
        if authors:
            await conn.execute(sa.text(_UPSERT_AUTHOR.format(table=self._authors)), authors)
        tags = [{"tag": tag, "delta": n} for tag, n in sorted(delta.tags.items()) if n]
        if tags:
            await conn.execute(sa.text(_UPSERT_TAG.format(table=self._tags)), tags)


def _text_changed(before: PostView | None, after: PostView) -> bool:
    """to_tsvector is most of a row write's cost (a rebuild's above all): publishing, deleting
    and the like keep the row's search vector. An unchanged row is locked (`_lock_views`), so
    it is the row the upsert meets, and the placeholder in VALUES is never stored."""
    return before is None or (before.title, before.body, before.tags) != (
        after.title,
        after.body,
        after.tags,
    )


def _group(events: Sequence[StoredEvent]) -> dict[UUID, list[StoredEvent]]:
    by_post: dict[UUID, list[StoredEvent]] = defaultdict(list)
    for event in events:
        by_post[event.metadata.post_id].append(event)
    for group in by_post.values():
        group.sort(key=lambda e: e.metadata.version)
    return by_post


async def _catch_up(
    view: PostView | None, events: list[StoredEvent], fill_gap: GapFiller
) -> tuple[PostView | None, int]:
    applied = 0
    for event in events:
        have = view.version if view is not None else 0
        version = event.metadata.version
        if version <= have:
            continue  # a redelivery, or already repaired from the store: changes nothing
        if version > have + 1:
            missing = await fill_gap(event.metadata.post_id, have, version - 1)
            for earlier in missing:
                view = apply_event(view, earlier)
                applied += 1
        if (view.version if view is not None else 0) != version - 1:
            # The store must hold every version below one that reached Kafka; if it doesn't
            # answer them, fail the batch (it is retried) rather than fold out of order.
            raise GapNotFilledError(event.metadata.post_id, version)
        view = apply_event(view, event)
        applied += 1
    return view, applied
