"""StreamEvents live: a tail during concurrent writes misses nothing and only moves forward, a
transaction held open is waited for rather than skipped, a slow reader does not make the server
read ahead without bound, and stopping the server ends open streams at once, resumably."""

import asyncio
from datetime import timedelta

import grpc
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from uuid_utils.compat import uuid7

from event_contract import (
    EventMetadata,
    NewEvent,
    PostCreated,
    PostEdited,
    PostEvent,
    Visibility,
)
from post_service.bootstrap import Service
from tests.conftest import make_settings
from tests.support.appending import (
    T0,
    append_history,
    append_many,
    insert_uncommitted,
    make_store,
    new_history,
)
from tests.support.command_e2e import failure_of
from tests.support.event_stream import (
    as_row,
    horizon_checks,
    open_stream,
    pages_read,
    statements,
    table_rows,
    take,
)
from write_side.adapters.event_store import PostgresEventStore


@pytest.fixture
def store(engine: AsyncEngine) -> PostgresEventStore:
    return make_store(engine)


@pytest.fixture
async def service(fresh_db, start_service) -> Service:
    return await start_service(make_settings(fresh_db))


async def test_a_live_tail_during_concurrent_writes_misses_nothing_and_only_moves_forward(
    engine, store, service, channel_to
):
    call = open_stream(channel_to(service))  # on an empty store: everything that follows is live
    tail = asyncio.create_task(take(call, 40 * 5, within_s=30))
    # 16 writers at a time, one event per transaction: commits overtake each other's positions.
    await append_many(store, posts=40, length=5, per_transaction=1, concurrency=16)

    sent = await tail

    positions = [e.position for e in sent]
    assert positions == sorted(set(positions))
    assert [as_row(e) for e in sent] == await table_rows(engine)


async def test_a_position_held_by_an_open_transaction_is_waited_for_never_skipped(
    engine, store, service, channel_to
):
    call = open_stream(channel_to(service))
    reading = asyncio.create_task(take(call, 2))
    with statements(service.engine) as sent:
        async with engine.connect() as held:
            position_a = await insert_uncommitted(held, new_history(1))
            position_b = await append_history(store, new_history(1))  # commits first, NOTIFYs
            assert position_a < position_b
            # The server saw B's commit and keeps asking whether A is done: B is held back.
            async with asyncio.timeout(10):
                while horizon_checks(sent) < 20:
                    await asyncio.sleep(0.01)
            assert not reading.done()
            await held.commit()  # no NOTIFY: the stream's re-check must find it

    assert [e.position for e in await reading] == [position_a, position_b]


def _large_history(events: int, body_bytes: int) -> list[NewEvent]:
    """One post: created, then `events - 1` edits of a body of `body_bytes`."""
    post_id, author = uuid7(), uuid7()
    created = PostCreated(
        post_id=post_id, author_id=author, title="t", body="", tags=(), visibility=Visibility.PUBLIC
    )
    edits = [PostEdited(post_id=post_id, body=f"{v} " + "x" * body_bytes) for v in range(events)]
    payloads: list[PostEvent] = [created, *edits[1:]]
    return [
        NewEvent(
            metadata=EventMetadata(
                event_id=uuid7(),
                post_id=post_id,
                version=version,
                occurred_at=T0 + timedelta(seconds=version),
                actor_id=author,
                caller="test-suite",
            ),
            payload=payload,
        )
        for version, payload in enumerate(payloads, 1)
    ]


async def test_a_reader_that_stops_reading_stops_the_server_reading_pages_ahead(
    engine, service, channel_to
):
    total, page = 6000, 500  # about 30 MB of 5 KB events: 12 pages
    async with engine.begin() as conn:
        await insert_uncommitted(conn, _large_history(total, 5000))
    with statements(service.engine) as sent:
        call = open_stream(channel_to(service))
        await take(call, 1)
        # HTTP/2 flow control lets a few MB (BDP-sized windows) into the socket; after that the
        # server's generator is not asked for more, so it reads no further page.
        held_at = await _until_steady(lambda: pages_read(sent))
        assert held_at <= total // page // 2

        rest = await take(call, total - 1, within_s=30)

    assert [e.version for e in rest] == list(range(2, total + 1))
    assert pages_read(sent) >= total // page


async def _until_steady(count, steady_s: float = 1.0, within_s: float = 15) -> int:
    """`count()` once it has not changed for `steady_s`."""
    async with asyncio.timeout(within_s):
        last, since = count(), asyncio.get_running_loop().time()
        while asyncio.get_running_loop().time() - since < steady_s:
            await asyncio.sleep(0.05)
            if count() != last:
                last, since = count(), asyncio.get_running_loop().time()
        return last


async def test_stopping_the_server_ends_waiting_streams_at_once_with_unavailable(
    fresh_db, store, start_service, channel_to
):
    service = await start_service(make_settings(fresh_db, shutdown_grace_s=20))
    history = new_history(2)
    await append_history(store, history)
    channel = channel_to(service)
    every_post = open_stream(channel)
    one_post = open_stream(channel, post_id=str(history[0].metadata.post_id))
    await take(every_post, 2)
    await take(one_post, 2)

    async with asyncio.timeout(5):  # far below the grace period: nobody waited for it
        await service.stop()

    for call in (every_post, one_post):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await call.read()
        failure = failure_of(error.value)
        assert (failure.code, failure.reason) == (
            grpc.StatusCode.UNAVAILABLE,
            "SERVER_SHUTTING_DOWN",
        )
