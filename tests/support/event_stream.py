"""A small client for PostEventService.StreamEvents, and the event table as the stream shows it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import grpc
import orjson
import sqlalchemy as sa
from posts.v1 import common_pb2, event_service_pb2, event_service_pb2_grpc
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import auth

type Call = Any  # grpc.aio.UnaryStreamCall: grpc ships no types


def open_stream(
    channel: grpc.aio.Channel,
    from_position: int = 0,
    event_types: Sequence[str] = (),
    post_id: str = "",
    metadata: Sequence[tuple[str, str]] | None = None,
) -> Call:
    """The call, with the bearer token but no x-actor-id (StreamEvents needs none)."""
    request = event_service_pb2.StreamEventsRequest(
        from_position=from_position, event_types=list(event_types), post_id=post_id
    )
    stub = event_service_pb2_grpc.PostEventServiceStub(channel)
    return stub.StreamEvents(request, metadata=auth() if metadata is None else metadata)


async def take(call: Call, count: int, within_s: float = 10) -> list[common_pb2.Event]:
    """The next `count` events of the stream; fails with what came if they don't in time."""
    got: list[common_pb2.Event] = []
    try:
        async with asyncio.timeout(within_s):
            while len(got) < count:
                got.append((await call.read()).event)
    except TimeoutError:
        raise AssertionError(f"{len(got)} of {count} events within {within_s}s") from None
    return got


async def nothing_within(call: Call, seconds: float) -> bool:
    """True if the stream sends nothing for `seconds` (the read is abandoned, the call stays)."""
    reading = asyncio.ensure_future(call.read())
    done, _ = await asyncio.wait([reading], timeout=seconds)
    if done:
        return False
    reading.cancel()
    return True


def as_row(event: common_pb2.Event) -> tuple[Any, ...]:
    """An event of the stream in the shape of `table_rows`."""
    return (
        event.position,
        event.event_id,
        event.post_id,
        event.version,
        event.type,
        event.schema_version,
        orjson.loads(event.data),
        event.actor_id,
        event.caller,
        event.request_id,
        event.occurred_at.ToDatetime().isoformat(timespec="microseconds"),
    )


async def table_rows(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    """The events table itself, straight from SQL (not through the event contract)."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT position, event_id::text, post_id::text, version, event_type,"
                " schema_version, data, actor_id::text, caller, coalesce(request_id::text, ''),"
                " to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
                " FROM events ORDER BY position"
            )
        )
        return [tuple(row) for row in rows]


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement `engine` sends while inside the block (the server's own engine)."""
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", record)


def pages_read(sent: Sequence[str]) -> int:
    """How many pages of events (event_contract.store.read_range queries) were read."""
    return sum("FROM events" in s and "ORDER BY events.position" in s for s in sent)


def horizon_checks(sent: Sequence[str]) -> int:
    """How often the server asked whether in-flight appends were done (safe_head waiting)."""
    return sum("pg_snapshot_xip" in s for s in sent)
