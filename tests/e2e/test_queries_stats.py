"""GetAuthorStats through the real server: the author and moderators get every count; anyone
else gets counts over the posts they may see listed, so hidden posts don't show through."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC

import grpc
import pytest
from posts.v1 import common_pb2

from event_contract.store import read_post
from tests.support.command_e2e import Running, refused, running_service
from tests.support.queries import Reader, project_all


@pytest.fixture(scope="module")
async def server(template_db: str) -> AsyncIterator[Running]:
    async with running_service(template_db) as running:
        yield running


async def published_at(server: Running, post_id: str):
    async with server.service.engine.connect() as conn:
        events = await read_post(conn, uuid.UUID(post_id))
    return events[-1].metadata.occurred_at


@pytest.fixture(scope="module")
async def author(server: Running):
    """An author with a draft, and published PUBLIC, UNLISTED, PRIVATE and deleted posts;
    returns (their id, when the PUBLIC one was published, when the last one was)."""
    author = server.as_user()
    await author.create()
    public = (await author.create()).post_id
    await author.publish(public)
    for visibility in (common_pb2.VISIBILITY_UNLISTED, common_pb2.VISIBILITY_PRIVATE):
        post_id = (await author.create(visibility=visibility)).post_id
        await author.publish(post_id)
    deleted = (await author.create()).post_id
    await author.delete(deleted)
    await project_all(server.service.engine, server.service.read_engine)
    return author.actor, await published_at(server, public), await published_at(server, post_id)


@pytest.mark.parametrize(("actor", "roles"), [("author", ""), (uuid.uuid4(), "moderator")])
async def test_the_author_and_moderators_get_the_counts_of_every_post(server, author, actor, roles):
    author_id, _, last_published_at = author
    reader = Reader(server.channel, author_id if actor == "author" else actor, roles)

    stats = await reader.stats(author_id)

    assert stats.author_id == str(author_id)
    assert (stats.post_count, stats.published_count) == (4, 3)
    assert stats.last_publish_time.ToDatetime(UTC) == last_published_at


@pytest.mark.parametrize("actor", [uuid.uuid4(), None])
async def test_anyone_else_gets_counts_of_the_published_public_posts_only(server, author, actor):
    author_id, public_published_at, _ = author
    reader = Reader(server.channel, actor)

    stats = await reader.stats(author_id)
    listed = await reader.list_all(
        author_id=str(author_id), status=common_pb2.POST_STATUS_PUBLISHED
    )

    assert (stats.post_count, stats.published_count) == (1, 1) == (len(listed), len(listed))
    assert stats.last_publish_time.ToDatetime(UTC) == public_published_at


async def test_an_author_without_posts_gets_zero_counts(server):
    author_id = uuid.uuid4()
    for reader in (Reader(server.channel, author_id), Reader(server.channel)):
        stats = await reader.stats(author_id)
        assert (stats.author_id, stats.post_count, stats.published_count) == (str(author_id), 0, 0)
        assert not stats.HasField("last_publish_time")


@pytest.mark.parametrize("author_id", ["", "not-a-uuid"])
async def test_author_stats_need_a_uuid(server, author_id):
    failure = await refused(Reader(server.channel).stats(author_id))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.violations) == {"author_id"}
