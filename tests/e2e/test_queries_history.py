"""GetPostHistory and GetPostAt through the real server. Both read the event store itself, so
these tests never project: the read model stays empty and they still answer."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from posts.v1 import common_pb2

from event_contract import StoredEvent, encode_data
from event_contract.cloudevents import attributes
from event_contract.store import read_post
from tests.support.command_e2e import Running, refused, running_service
from tests.support.commands import Commands
from tests.support.queries import Reader, project_all


@pytest.fixture(scope="module")
async def server(template_db: str) -> AsyncIterator[Running]:
    async with running_service(template_db) as running:
        yield running


async def stored(server: Running, post_id: str) -> list[StoredEvent]:
    async with server.service.engine.connect() as conn:
        return await read_post(conn, uuid.UUID(post_id))


async def lifecycle(author: Commands) -> str:
    """created (v1), edited (v2), published (v3), deleted (v4), restored (v5)."""
    post_id = (await author.create(title="First", request_id=str(uuid.uuid4()))).post_id
    await author.edit(post_id, title="Second")
    await author.publish(post_id)
    await author.delete(post_id)
    await author.restore(post_id)
    return post_id


def stamp(moment) -> Timestamp:
    result = Timestamp()
    result.FromDatetime(moment)
    return result


async def test_history_lists_every_event_with_its_cloudevents_attributes_and_data(server):
    author = server.as_user()
    post_id = await lifecycle(author)

    history = await Reader(server.channel, author.actor).history(post_id)

    events = await stored(server, post_id)
    assert [e.version for e in history.events] == [1, 2, 3, 4, 5]
    assert history.next_page_token == ""
    for message, event in zip(history.events, events, strict=True):
        attrs = attributes(event)
        assert message.event_id == attrs["id"]
        assert message.type == attrs["type"]
        assert message.source == attrs["source"] == "post-service"
        assert message.post_id == attrs["subject"] == post_id
        assert message.position == int(attrs["position"])
        assert message.occurred_at.ToDatetime(UTC) == event.metadata.occurred_at
        assert message.actor_id == attrs["actorid"] == str(author.actor)
        assert message.caller == attrs["caller"] == "test-suite"
        assert message.request_id == attrs.get("requestid", "")
        assert message.schema_version == int(attrs["schemaversion"])
        assert message.data == encode_data(event.payload)
    assert [m.type.removeprefix("posts.v1.") for m in history.events] == [
        "PostCreated",
        "PostEdited",
        "PostPublished",
        "PostDeleted",
        "PostRestored",
    ]
    assert history.events[0].request_id


async def test_history_pages_in_version_order(server):
    author = server.as_user()
    post_id = await lifecycle(author)
    as_author = Reader(server.channel, author.actor)

    pages, token = [], ""
    while True:
        page = await as_author.history(post_id, page_size=2, page_token=token)
        pages.append([e.version for e in page.events])
        token = page.next_page_token
        if not token:
            break

    assert pages == [[1, 2], [3, 4], [5]]


async def test_a_history_page_token_is_tied_to_its_post(server):
    author = server.as_user()
    first, second = await lifecycle(author), await lifecycle(author)
    as_author = Reader(server.channel, author.actor)
    token = (await as_author.history(first, page_size=1)).next_page_token

    failure = await refused(as_author.history(second, page_token=token))

    assert (failure.code, failure.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PAGE_TOKEN",
    )


async def test_history_of_an_unknown_or_malformed_post_id(server):
    anyone = Reader(server.channel)
    unknown = await refused(anyone.history(str(uuid.uuid4())))
    malformed = await refused(anyone.history("nope"))
    negative = await refused(anyone.history(str(uuid.uuid4()), page_size=-1))
    assert unknown.code == grpc.StatusCode.NOT_FOUND
    assert (malformed.code, set(malformed.violations)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        {"post_id"},
    )
    assert set(negative.violations) == {"page_size"}


async def test_post_at_a_version_is_the_post_right_after_that_event(server):
    author = server.as_user()
    post_id = await lifecycle(author)
    as_author = Reader(server.channel, author.actor)

    created = await as_author.at(post_id, version=1)
    edited = await as_author.at(post_id, version=2)
    deleted = await as_author.at(post_id, version=4)

    assert (created.title, created.status, created.version) == (
        "First",
        common_pb2.POST_STATUS_DRAFT,
        1,
    )
    assert (edited.title, edited.version) == ("Second", 2)
    assert deleted.status == common_pb2.POST_STATUS_DELETED
    assert deleted.HasField("delete_time")
    assert deleted.position == (await stored(server, post_id))[3].position


async def test_post_at_a_time_is_the_post_after_its_last_event_at_or_before_it(server):
    author = server.as_user()
    post_id = await lifecycle(author)
    events = await stored(server, post_id)
    as_author = Reader(server.channel, author.actor)
    edited_at = events[1].metadata.occurred_at

    exactly = await as_author.at(post_id, time=stamp(edited_at))
    just_before = await as_author.at(post_id, time=stamp(edited_at - timedelta(microseconds=1)))
    much_later = await as_author.at(post_id, time=stamp(edited_at + timedelta(days=365)))

    assert (exactly.version, exactly.title) == (2, "Second")
    assert (just_before.version, just_before.title) == (1, "First")
    assert much_later.version == 5


async def test_post_at_the_current_version_equals_the_projected_post(server):
    author = server.as_user()
    post_id = await lifecycle(author)
    await project_all(server.service.engine, server.service.read_engine)
    as_author = Reader(server.channel, author.actor)

    assert await as_author.at(post_id, version=5) == await as_author.get(post_id)


async def test_post_at_a_point_the_post_never_had_is_not_found(server):
    author = server.as_user()
    post_id = await lifecycle(author)
    created_at = (await stored(server, post_id))[0].metadata.occurred_at
    as_author = Reader(server.channel, author.actor)

    beyond = await refused(as_author.at(post_id, version=6))
    before = await refused(as_author.at(post_id, time=stamp(created_at - timedelta(seconds=1))))

    assert (beyond.code, beyond.reason) == (grpc.StatusCode.NOT_FOUND, "VERSION_NOT_FOUND")
    assert (before.code, before.reason) == (grpc.StatusCode.NOT_FOUND, "NOT_CREATED_YET")


@pytest.mark.parametrize(
    ("point", "field"), [({}, "point"), ({"version": 0}, "version"), ({"version": -2}, "version")]
)
async def test_post_at_needs_a_version_of_at_least_1_or_a_time(server, point, field):
    failure = await refused(Reader(server.channel).at(str(uuid.uuid4()), **point))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.violations) == {field}


async def test_an_earlier_draft_of_a_published_post_is_hidden_from_others(server):
    author = server.as_user()
    post_id = (await author.create(title="Secret draft title")).post_id
    await author.edit(post_id, title="Public title")
    await author.publish(post_id)
    someone = Reader(server.channel, uuid.uuid4())

    draft = await refused(someone.at(post_id, version=1))
    live = await someone.at(post_id, version=3)
    history = await refused(someone.history(post_id))

    assert (draft.code, draft.reason) == (grpc.StatusCode.NOT_FOUND, "POST_NOT_FOUND")
    assert live.title == "Public title"
    assert (history.code, history.reason) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "HISTORY_NOT_ALLOWED",
    )
