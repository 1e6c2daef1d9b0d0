"""StreamEvents over stored history: from 0 it equals the event table, it resumes from a position,
its filters combine, and bad requests are refused. Each test has a database of its own.

A live stream never ends, so "nothing else came" is shown with a sentinel: an event appended
afterwards must be the very next one the stream sends."""

import grpc
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from post_service.bootstrap import Service
from tests.conftest import make_settings
from tests.support.appending import append_many, make_store
from tests.support.command_e2e import failure_of
from tests.support.commands import Commands
from tests.support.event_stream import as_row, open_stream, table_rows, take
from write_side.adapters.event_store import PostgresEventStore

PUBLISHED = "posts.v1.PostPublished"


@pytest.fixture
def store(engine: AsyncEngine) -> PostgresEventStore:
    return make_store(engine)


@pytest.fixture
async def service(fresh_db, start_service) -> Service:
    return await start_service(make_settings(fresh_db))


async def test_a_stream_from_zero_sends_exactly_the_event_table_in_position_order(
    engine, store, service, channel_to
):
    # Transactions of two events, appended concurrently: positions of posts interleave.
    await append_many(store, posts=20, length=7, per_transaction=2)
    rows = await table_rows(engine)

    sent = await take(open_stream(channel_to(service)), len(rows))

    assert [as_row(e) for e in sent] == rows
    assert all(e.source == "post-service" for e in sent)


async def test_a_stream_resumed_from_the_last_position_plus_one_continues_without_a_gap(
    engine, store, service, channel_to
):
    await append_many(store, posts=10, length=5)
    rows = await table_rows(engine)
    channel = channel_to(service)
    first = await take(open_stream(channel), 20)

    rest = await take(open_stream(channel, from_position=first[-1].position + 1), len(rows) - 20)

    assert [as_row(e) for e in rest] == rows[20:]


async def test_filters_by_post_and_by_event_type_combine(engine, store, service, channel_to):
    histories = await append_many(store, posts=6, length=7)  # each one published once
    post = histories[2][0]
    post_id, author = str(post.metadata.post_id), post.metadata.actor_id
    channel = channel_to(service)
    # The sentinel, appended last, matches every filter below: whatever a filter wrongly let
    # through would arrive before it.
    await Commands(channel, actor=author).publish(post_id)
    rows = await table_rows(engine)

    for event_types, of_post in [((), post_id), ((PUBLISHED,), ""), ((PUBLISHED,), post_id)]:
        expected = [
            r
            for r in rows
            if (not of_post or r[2] == of_post) and (not event_types or r[4] in event_types)
        ]
        call = open_stream(channel, event_types=event_types, post_id=of_post)
        sent = await take(call, len(expected))
        assert [as_row(e) for e in sent] == expected
        assert (sent[-1].post_id, sent[-1].type) == (post_id, PUBLISHED)


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"from_position": -1}, "from_position"),
        ({"post_id": "not-a-uuid"}, "post_id"),
        ({"event_types": [PUBLISHED, "posts.v1.PostLiked"]}, "event_types[1]"),
    ],
)
async def test_a_bad_request_is_invalid_argument_naming_the_field(
    service, channel_to, request_fields, field
):
    call = open_stream(channel_to(service), **request_fields)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call.read()
    failure = failure_of(error.value)
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert list(failure.violations) == [field]


async def test_a_stream_without_a_bearer_token_is_unauthenticated(service, channel_to):
    call = open_stream(channel_to(service), metadata=[])
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call.read()
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
