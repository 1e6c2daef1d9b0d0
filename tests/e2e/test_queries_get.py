"""GetPost and BatchGetPosts through the real server: create → edit → publish → query, views,
deleted posts, and malformed input."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC

import grpc
import pytest
from posts.v1 import common_pb2

from event_contract.store import read_post
from read_side.model import excerpt_of
from tests.support.command_e2e import Running, refused, running_service
from tests.support.queries import Reader, ids, project_all


@pytest.fixture(scope="module")
async def server(template_db: str) -> AsyncIterator[Running]:
    async with running_service(template_db) as running:
        yield running


async def project(server: Running) -> None:
    await project_all(server.service.engine, server.service.read_engine)


def reader(server: Running, actor: uuid.UUID | None = None, roles: str = "") -> Reader:
    return Reader(server.channel, actor, roles)


async def test_a_post_created_edited_and_published_reads_back_in_full(server):
    author = server.as_user()
    created = await author.create(title="Draft title", body="Draft body", tags=["Python", "gRPC"])
    await author.edit(created.post_id, title="Final title", body="Final body")
    published = await author.publish(created.post_id)
    await project(server)

    post = await reader(server).get(created.post_id)

    async with server.service.engine.connect() as conn:
        events = await read_post(conn, uuid.UUID(created.post_id))
    assert post.post_id == created.post_id
    assert post.author_id == str(author.actor)
    assert (post.title, post.body, post.excerpt) == ("Final title", "Final body", "Final body")
    assert list(post.tags) == ["python", "grpc"]
    assert post.visibility == common_pb2.VISIBILITY_PUBLIC
    assert post.status == common_pb2.POST_STATUS_PUBLISHED
    assert (post.version, post.position) == (3, published.position) == (3, events[2].position)
    assert post.create_time.ToDatetime(UTC) == events[0].metadata.occurred_at
    assert post.update_time.ToDatetime(UTC) == events[2].metadata.occurred_at
    assert post.publish_time.ToDatetime(UTC) == events[2].metadata.occurred_at
    assert not post.HasField("delete_time")


async def test_get_post_of_an_unknown_id_is_not_found(server):
    failure = await refused(reader(server).get(str(uuid.uuid4())))
    assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "POST_NOT_FOUND")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"post_id": ""}, "post_id"),
        ({"post_id": "not-a-uuid"}, "post_id"),
        ({"post_id": str(uuid.uuid4()), "min_version": -1}, "min_version"),
    ],
)
async def test_get_post_refuses_malformed_input_naming_the_field(server, fields, field):
    failure = await refused(reader(server).get(**fields))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert field in failure.violations


async def test_a_deleted_post_is_found_only_with_show_deleted_and_restore_clears_delete_time(
    server,
):
    author = server.as_user()
    post_id = (await author.create()).post_id
    await author.delete(post_id)
    await project(server)
    as_author = reader(server, author.actor)

    hidden = await refused(as_author.get(post_id))
    deleted = await as_author.get(post_id, show_deleted=True)
    await author.restore(post_id)
    await project(server)
    restored = await as_author.get(post_id)

    assert hidden.code == grpc.StatusCode.NOT_FOUND
    assert deleted.status == common_pb2.POST_STATUS_DELETED
    assert deleted.HasField("delete_time")
    assert restored.status == common_pb2.POST_STATUS_DRAFT
    assert not restored.HasField("delete_time")


async def test_publish_time_stays_after_unpublishing(server):
    author = server.as_user()
    post_id = (await author.create()).post_id
    await author.publish(post_id)
    await author.unpublish(post_id)
    await project(server)

    post = await reader(server, author.actor).get(post_id)

    assert post.status == common_pb2.POST_STATUS_DRAFT
    assert post.HasField("publish_time")


async def test_batch_get_answers_in_request_order_once_per_id_and_lists_the_missing(server):
    author = server.as_user()
    first, second = [(await author.create()).post_id for _ in range(2)]
    for post_id in (first, second):
        await author.publish(post_id)
    draft = (await author.create()).post_id
    unknown = str(uuid.uuid4())
    await project(server)

    reply = await reader(server).batch([second, unknown, first, second, draft, unknown])

    assert ids(reply.posts) == [second, first]
    assert list(reply.missing_post_ids) == [unknown, draft]


async def test_batch_get_gives_the_basic_view_unless_full_is_asked_for(server):
    author = server.as_user()
    body = "word " * 100
    post_id = (await author.create(body=body)).post_id
    await project(server)
    as_author = reader(server, author.actor)

    [basic] = (await as_author.batch([post_id])).posts
    [full] = (await as_author.batch([post_id], view=common_pb2.POST_VIEW_FULL)).posts

    assert basic.body == ""
    assert basic.excerpt == excerpt_of(body)
    assert len(basic.excerpt) <= 200
    assert full.body == body
    assert full.excerpt == basic.excerpt


async def test_batch_get_returns_deleted_posts_only_with_show_deleted(server):
    author = server.as_user()
    post_id = (await author.create()).post_id
    await author.delete(post_id)
    await project(server)
    as_author = reader(server, author.actor)

    without = await as_author.batch([post_id])
    with_deleted = await as_author.batch([post_id], show_deleted=True)

    assert list(without.missing_post_ids) == [post_id]
    assert ids(with_deleted.posts) == [post_id]


async def test_batch_get_takes_100_ids_and_10_with_the_full_view(server):
    as_anyone = reader(server)
    many = [str(uuid.uuid4()) for _ in range(100)]

    basic = await as_anyone.batch(many)
    full = await as_anyone.batch(many[:10], view=common_pb2.POST_VIEW_FULL)

    assert len(basic.missing_post_ids) == 100
    assert len(full.missing_post_ids) == 10


@pytest.mark.parametrize(
    ("count", "view"), [(0, common_pb2.POST_VIEW_BASIC), (101, 0), (11, common_pb2.POST_VIEW_FULL)]
)
async def test_batch_get_refuses_too_few_or_too_many_ids(server, count, view):
    failure = await refused(
        reader(server).batch([str(uuid.uuid4()) for _ in range(count)], view=view)
    )
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "post_ids" in failure.violations


async def test_batch_get_names_each_malformed_id_by_its_index(server):
    failure = await refused(
        reader(server).batch([str(uuid.uuid4()), "nope", "", str(uuid.uuid4())])
    )
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.violations) == {"post_ids[1]", "post_ids[2]"}


async def test_a_query_without_credentials_is_unauthenticated(server):
    stub_reader = reader(server)
    stub_reader.metadata = []
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub_reader.get(str(uuid.uuid4()))
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
