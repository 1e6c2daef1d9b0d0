"""Realistic post histories, appended through the real event store (for relay and reader tests).

A history is what the domain could have decided: created, then a cycle of edit, publish,
retag, unpublish, delete, restore, with versions 1..n, UUIDv7 ids, and a request id on most
events but not all (so that a missing `ce_requestid` is exercised too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import cycle, islice
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from uuid_utils.compat import uuid7

from event_contract import (
    EventMetadata,
    NewEvent,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostEvent,
    PostPublished,
    PostRestored,
    PostStatus,
    PostUnpublished,
    Visibility,
    to_json_object,
)
from event_contract.store_schema import events
from write_side.adapters.event_store import PostgresEventStore
from write_side.domain import PostState, fold

CALLER = "test-suite"
T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def _changes(post_id: UUID) -> list[PostEvent]:
    return [
        PostEdited(post_id=post_id, title="New title"),
        PostPublished(post_id=post_id),
        PostEdited(post_id=post_id, tags=("python", "grpc")),
        PostUnpublished(post_id=post_id),
        PostDeleted(post_id=post_id),
        PostRestored(post_id=post_id, restored_status=PostStatus.DRAFT),
    ]


def new_history(length: int = 4, *, author_id: UUID | None = None) -> list[NewEvent]:
    """A new post's first `length` events (PostCreated first)."""
    post_id, author = uuid7(), author_id or uuid7()
    created = PostCreated(
        post_id=post_id,
        author_id=author,
        title="Первый пост",
        body="Hello, world",
        tags=("intro",),
        visibility=Visibility.PUBLIC,
    )
    payloads = [created, *islice(cycle(_changes(post_id)), length - 1)]
    return [_envelope(payload, version, author) for version, payload in enumerate(payloads, 1)]


def _envelope(payload: PostEvent, version: int, actor_id: UUID) -> NewEvent:
    metadata = EventMetadata(
        event_id=uuid7(),
        post_id=payload.post_id,
        version=version,
        occurred_at=T0 + timedelta(seconds=version, microseconds=123456),
        actor_id=actor_id,
        caller=CALLER,
        request_id=None if version % 3 == 0 else uuid7(),
    )
    return NewEvent(metadata=metadata, payload=payload)


def make_store(engine: AsyncEngine) -> PostgresEventStore:
    """The write side's store with its defaults (one place to follow its signature)."""
    return PostgresEventStore(engine, snapshot_every=100)


async def append_history(
    store: PostgresEventStore, history: Sequence[NewEvent], per_transaction: int | None = None
) -> int:
    """Appends in transactions of `per_transaction` events (all in one by default); returns
    the position of the last event."""
    size = per_transaction or len(history)
    state: PostState | None = None
    position = 0
    for start in range(0, len(history), size):
        chunk = history[start : start + size]
        state = fold(state, chunk)
        assert state is not None
        position = await store.append(chunk, state, None)
    return position


async def append_new_post(store: PostgresEventStore, length: int = 4) -> list[NewEvent]:
    history = new_history(length)
    await append_history(store, history)
    return history


async def append_many(
    store: PostgresEventStore,
    posts: int,
    length: int,
    per_transaction: int = 1,
    concurrency: int = 16,
) -> list[list[NewEvent]]:
    """`posts` new posts of `length` events, appended concurrently so that the posts' events
    interleave in the global order (as real traffic does)."""
    histories = [new_history(length) for _ in range(posts)]
    gate = asyncio.Semaphore(concurrency)

    async def append_one(history: list[NewEvent]) -> None:
        async with gate:
            await append_history(store, history, per_transaction)

    await asyncio.gather(*(append_one(h) for h in histories))
    return histories


async def insert_uncommitted(conn: AsyncConnection, history: Sequence[NewEvent]) -> int:
    """Inserts on `conn` inside its open transaction, without committing (to hold a position
    in flight, as a slow append does); returns the last position drawn."""
    rows = [
        {
            "event_id": e.metadata.event_id,
            "post_id": e.metadata.post_id,
            "version": e.metadata.version,
            "event_type": e.type,
            "schema_version": e.schema_version,
            "data": to_json_object(e.payload),
            "actor_id": e.metadata.actor_id,
            "caller": e.metadata.caller,
            "request_id": e.metadata.request_id,
            "occurred_at": e.metadata.occurred_at,
        }
        for e in history
    ]
    positions = (await conn.execute(sa.insert(events).returning(events.c.position), rows)).all()
    return int(max(p.position for p in positions))
