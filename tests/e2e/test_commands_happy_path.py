"""Every command RPC's happy path, through the real gRPC server into the real event store."""

import uuid
from collections.abc import AsyncIterator

import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from posts.v1 import command_service_pb2 as pb
from posts.v1 import common_pb2

from tests.support.command_e2e import Running, running_service

FULLWIDTH_GRPC = "\uff47\uff32\uff30\uff23"  # full-width "gRPC": NFKC folds it to ASCII


@pytest.fixture(scope="module")
async def server(template_db: str) -> AsyncIterator[Running]:
    async with running_service(template_db) as running:
        yield running


async def test_create_post_returns_a_new_uuid7_at_version_1_with_its_stored_position(server):
    author = server.as_user()

    result = await author.create(
        title="  Привет, мир  ", body="Body", tags=["Python", FULLWIDTH_GRPC], visibility=0
    )

    assert uuid.UUID(result.post_id).version == 7
    assert result.version == 1
    [created] = await server.events_of(result.post_id)
    assert result.position == created.position > 0
    assert created.event_type == "posts.v1.PostCreated"
    assert created.version == 1
    assert created.actor_id == author.actor
    assert created.caller == "test-suite"
    assert created.data == {
        "post_id": result.post_id,
        "author_id": str(author.actor),
        "title": "Привет, мир",
        "body": "Body",
        "tags": ["python", "grpc"],
        "visibility": "PUBLIC",
    }


async def test_create_post_gives_each_post_its_own_id_and_a_higher_position(server):
    author = server.as_user()

    first = await author.create()
    second = await author.create()

    assert first.post_id != second.post_id
    assert second.position > first.position


async def test_create_post_records_the_request_id_on_its_event(server):
    request_id = str(uuid.uuid4())

    result = await server.as_user().create(request_id=request_id)

    [created] = await server.events_of(result.post_id)
    assert str(created.request_id) == request_id


async def test_edit_post_stores_only_the_masked_fields_that_change(server):
    author = server.as_user()
    post = await author.create(title="Old", body="Old body", tags=["a", "b"])
    request = pb.EditPostRequest(
        post_id=post.post_id,
        title="New",
        body="Not in the mask, so ignored",
        tags=["c"],
        visibility=common_pb2.VISIBILITY_PRIVATE,
        update_mask=FieldMask(paths=["title", "tags"]),
    )

    result = await author.stub.EditPost(request, metadata=author.metadata, timeout=10)

    assert result.version == 2
    edited = (await server.events_of(post.post_id))[-1]
    assert edited.event_type == "posts.v1.PostEdited"
    assert edited.data == {"post_id": post.post_id, "title": "New", "tags": ["c"]}


async def test_edit_post_leaves_out_masked_fields_that_keep_their_value(server):
    author = server.as_user()
    post = await author.create(title="Same", body="Old body")

    await author.edit(post.post_id, title="Same", body="New body")

    edited = (await server.events_of(post.post_id))[-1]
    assert edited.data == {"post_id": post.post_id, "body": "New body"}


async def test_edit_post_replaces_the_tags_whole(server):
    author = server.as_user()
    post = await author.create(tags=["python", "grpc", "kafka"])

    await author.edit(post.post_id, tags=["Kafka", "postgres"])
    await author.edit(post.post_id, tags=[])

    *_, replaced, cleared = await server.events_of(post.post_id)
    assert replaced.data["tags"] == ["kafka", "postgres"]
    assert cleared.data["tags"] == []


async def test_edit_post_sets_the_visibility(server):
    author = server.as_user()
    post = await author.create(visibility=common_pb2.VISIBILITY_PUBLIC)

    await author.edit(post.post_id, visibility=common_pb2.VISIBILITY_UNLISTED)

    edited = (await server.events_of(post.post_id))[-1]
    assert edited.data == {"post_id": post.post_id, "visibility": "UNLISTED"}


async def test_each_lifecycle_command_bumps_the_version_by_one_at_a_higher_position(server):
    author = server.as_user()
    post = await author.create()
    results = [post]

    results.append(await author.edit(post.post_id, expected_version=1, body="Edited"))
    results.append(await author.publish(post.post_id, expected_version=2))
    results.append(await author.unpublish(post.post_id, expected_version=3))
    results.append(await author.delete(post.post_id, expected_version=4))
    results.append(await author.restore(post.post_id, expected_version=5))

    assert [r.version for r in results] == [1, 2, 3, 4, 5, 6]
    assert {r.post_id for r in results} == {post.post_id}
    positions = [r.position for r in results]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    stored = await server.events_of(post.post_id)
    assert [(e.version, e.position) for e in stored] == list(enumerate(positions, start=1))
    assert [e.event_type.removeprefix("posts.v1.") for e in stored] == [
        "PostCreated",
        "PostEdited",
        "PostPublished",
        "PostUnpublished",
        "PostDeleted",
        "PostRestored",
    ]


async def test_restore_post_returns_a_deleted_draft_to_draft(server):
    author = server.as_user()
    post = await author.create()
    await author.delete(post.post_id)

    result = await author.restore(post.post_id)

    assert result.version == 3
    restored = (await server.events_of(post.post_id))[-1]
    assert restored.data == {"post_id": post.post_id, "restored_status": "DRAFT"}
    # Back in DRAFT: publishing it is a change again.
    assert (await author.publish(post.post_id)).version == 4


async def test_restore_post_returns_a_deleted_published_post_to_published(server):
    author = server.as_user()
    post = await author.create()
    await author.publish(post.post_id)
    await author.delete(post.post_id)

    result = await author.restore(post.post_id)

    assert result.version == 4
    restored = (await server.events_of(post.post_id))[-1]
    assert restored.data == {"post_id": post.post_id, "restored_status": "PUBLISHED"}
    # Back in PUBLISHED: publishing again is a no-op, unpublishing is a change.
    assert (await author.publish(post.post_id)).version == 4
    assert (await author.unpublish(post.post_id)).version == 5


async def test_an_edit_whose_values_normalise_to_the_current_ones_is_a_no_op(server):
    author = server.as_user()
    post = await author.create(title="Title", tags=["python", "grpc"])

    result = await author.edit(post.post_id, title="  Title\t", tags=["PYTHON", FULLWIDTH_GRPC])

    assert (result.version, result.position) == (1, post.position)
    assert len(await server.events_of(post.post_id)) == 1


async def test_edit_post_with_unspecified_visibility_makes_the_post_public(server):
    author = server.as_user()
    post = await author.create(visibility=common_pb2.VISIBILITY_PRIVATE)

    await author.edit(post.post_id, visibility=common_pb2.VISIBILITY_UNSPECIFIED)

    edited = (await server.events_of(post.post_id))[-1]
    assert edited.data == {"post_id": post.post_id, "visibility": "PUBLIC"}
