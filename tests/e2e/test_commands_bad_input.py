"""Bad input gets its status code, one ErrorInfo (domain posts.v1) and appends nothing.

Malformed input is INVALID_ARGUMENT with google.rpc.BadRequest field violations naming proto
field paths; an unknown post is NOT_FOUND; a stale expected_version is ABORTED.
"""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from posts.v1 import command_service_pb2 as pb

from tests.conftest import TOKEN
from tests.support.command_e2e import Failure, Running, refused, running_service
from tests.support.commands import Commands


def fullwidth(ascii_text: str) -> str:
    """The full-width forms (U+FF01..U+FF5E) that NFKC folds back to ASCII."""
    return "".join(chr(ord(char) + 0xFEE0) for char in ascii_text)


# Field values that are invalid, as (field, value, the violation's field path).
BAD_CONTENT = [
    pytest.param("title", "", "title", id="empty title"),
    pytest.param("title", " \t\n\u3000 ", "title", id="whitespace-only title"),
    pytest.param("title", "я" * 301, "title", id="title of 301 code points"),
    pytest.param("title", "bell\x07title", "title", id="control character in title"),
    pytest.param("title", "nul\x00title", "title", id="NUL in title"),
    pytest.param("body", "x" * 100_001, "body", id="body over 100,000 code points"),
    pytest.param("body", "ж" * 100_001, "body", id="Cyrillic body over 100,000 code points"),
    pytest.param("tags", [f"tag{i}" for i in range(21)], "tags", id="21 tags"),
    pytest.param("tags", ["a" * 65], "tags[0]", id="tag of 65 code points"),
    pytest.param("tags", ["ok", "fine", "good", "bad tag!"], "tags[3]", id="invalid tag chars"),
    pytest.param("tags", ["ok", "fine", "good", ""], "tags[3]", id="empty tag"),
    pytest.param("tags", ["Python", fullwidth("python")], "tags[1]", id="duplicate tag after NFKC"),
    pytest.param("tags", ["Ёлка", "ёЛКА"], "tags[1]", id="duplicate tag after lower-casing"),
]


@pytest.fixture(scope="module")
async def server(template_db: str) -> AsyncIterator[Running]:
    async with running_service(template_db) as running:
        yield running


@pytest.fixture
async def author(server: Running) -> Commands:
    return server.as_user()


@pytest.fixture
async def post(author: Commands) -> pb.CommandResult:
    """A draft of `author`'s, at version 1."""
    return await author.create(tags=["python"])


async def _refused_appending_nothing(server: Running, call: Any) -> Failure:
    count_before = await server.event_count()
    failure = await refused(call)
    assert await server.event_count() == count_before
    return failure


def _assert_invalid(failure: Failure, field: str) -> None:
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert field in failure.violations, failure.violations


@pytest.mark.parametrize(("name", "value", "field"), BAD_CONTENT)
async def test_create_post_with_bad_content_is_invalid_argument(server, author, name, value, field):
    request: dict[str, Any] = {"title": "A title", name: value}

    failure = await _refused_appending_nothing(server, author.create(**request))

    _assert_invalid(failure, field)


@pytest.mark.parametrize(("name", "value", "field"), BAD_CONTENT)
async def test_edit_post_with_bad_content_is_invalid_argument(
    server, author, post, *, name, value, field
):
    failure = await _refused_appending_nothing(server, author.edit(post.post_id, **{name: value}))

    _assert_invalid(failure, field)


async def test_a_title_of_300_cyrillic_code_points_is_accepted(server, author):
    title = "я" * 300  # 600 bytes of UTF-8: the limit counts code points

    result = await author.create(title=title)

    [created] = await server.events_of(result.post_id)
    assert created.data["title"] == title


async def test_every_violation_of_a_request_is_reported_at_once(server, author):
    failure = await _refused_appending_nothing(
        server, author.create(title="", body="x" * 100_001, tags=["ok", "bad tag"])
    )

    assert set(failure.violations) == {"title", "body", "tags[1]"}


async def test_edit_post_with_an_empty_update_mask_is_invalid_argument(server, author, post):
    failure = await _refused_appending_nothing(server, author.edit(post.post_id))

    _assert_invalid(failure, "update_mask")


@pytest.mark.parametrize("path", ["status", "author_id", "*", "title.x"])
async def test_edit_post_with_an_unknown_mask_path_is_invalid_argument(server, author, post, path):
    request = pb.EditPostRequest(
        post_id=post.post_id, title="New", update_mask=FieldMask(paths=["title", path])
    )

    failure = await _refused_appending_nothing(
        server, author.stub.EditPost(request, metadata=author.metadata, timeout=10)
    )

    _assert_invalid(failure, "update_mask.paths[1]")


@pytest.mark.parametrize("post_id", ["", "not-a-uuid", "1234", str(uuid.uuid4()) + "0"])
@pytest.mark.parametrize("command", ["EditPost", "PublishPost", "DeletePost", "RestorePost"])
async def test_a_malformed_post_id_is_invalid_argument(server, author, command, post_id):
    if command == "EditPost":
        call = author.edit(post_id, title="New")
    else:
        call = author.simple(command, post_id)

    failure = await _refused_appending_nothing(server, call)

    _assert_invalid(failure, "post_id")


@pytest.mark.parametrize("request_id", ["not-a-uuid", "123", "{" * 36])
async def test_a_malformed_request_id_is_invalid_argument(server, author, post, request_id):
    create = await _refused_appending_nothing(server, author.create(request_id=request_id))
    publish = await _refused_appending_nothing(
        server, author.publish(post.post_id, request_id=request_id)
    )

    _assert_invalid(create, "request_id")
    _assert_invalid(publish, "request_id")


@pytest.mark.parametrize("command", ["EditPost", "PublishPost", "UnpublishPost", "DeletePost"])
async def test_a_negative_expected_version_is_invalid_argument(server, author, post, command):
    if command == "EditPost":
        call = author.edit(post.post_id, expected_version=-1, title="New")
    else:
        call = author.simple(command, post.post_id, expected_version=-1)

    failure = await _refused_appending_nothing(server, call)

    _assert_invalid(failure, "expected_version")


async def test_an_unknown_visibility_value_is_invalid_argument(server, author, post):
    create = await _refused_appending_nothing(server, author.create(visibility=99))
    edit = await _refused_appending_nothing(server, author.edit(post.post_id, visibility=99))

    _assert_invalid(create, "visibility")
    _assert_invalid(edit, "visibility")


async def test_a_command_without_x_actor_id_is_invalid_argument(server, post):
    stub = Commands(server.channel).stub
    metadata = [("authorization", f"Bearer {TOKEN}")]

    create = await _refused_appending_nothing(
        server, stub.CreatePost(pb.CreatePostRequest(title="t"), metadata=metadata, timeout=10)
    )
    publish = await _refused_appending_nothing(
        server,
        stub.PublishPost(
            pb.PublishPostRequest(post_id=post.post_id), metadata=metadata, timeout=10
        ),
    )

    _assert_invalid(create, "x-actor-id")
    _assert_invalid(publish, "x-actor-id")


@pytest.mark.parametrize(
    "actor_id",
    ["not-a-uuid", "42", "   ", "00000000-0000-0000-0000-000000000000"],
    ids=["not a uuid", "a number", "blank", "the system actor's nil uuid"],
)
async def test_a_command_with_a_malformed_x_actor_id_is_invalid_argument(server, actor_id):
    stub = Commands(server.channel).stub
    metadata = [("authorization", f"Bearer {TOKEN}"), ("x-actor-id", actor_id)]

    failure = await _refused_appending_nothing(
        server, stub.CreatePost(pb.CreatePostRequest(title="t"), metadata=metadata, timeout=10)
    )

    _assert_invalid(failure, "x-actor-id")


@pytest.mark.parametrize(
    "command", ["EditPost", "PublishPost", "UnpublishPost", "DeletePost", "RestorePost"]
)
@pytest.mark.parametrize("expected_version", [None, 1], ids=["any version", "expected version"])
async def test_a_command_on_an_unknown_post_is_not_found(server, author, command, expected_version):
    unknown = str(uuid.uuid4())
    if command == "EditPost":
        call = author.edit(unknown, expected_version=expected_version, title="New")
    else:
        call = author.simple(command, unknown, expected_version=expected_version)

    failure = await _refused_appending_nothing(server, call)

    assert failure.code == grpc.StatusCode.NOT_FOUND
    assert failure.reason == "POST_NOT_FOUND"


@pytest.mark.parametrize("expected_version", [0, 2, 99])
@pytest.mark.parametrize(
    "command", ["EditPost", "PublishPost", "UnpublishPost", "DeletePost", "RestorePost"]
)
async def test_a_stale_expected_version_is_aborted_with_the_current_version(
    server, author, post, command, expected_version
):
    if command == "EditPost":
        call = author.edit(post.post_id, expected_version=expected_version, title="New")
    else:
        call = author.simple(command, post.post_id, expected_version=expected_version)

    failure = await _refused_appending_nothing(server, call)

    assert failure.code == grpc.StatusCode.ABORTED
    assert failure.reason == "VERSION_MISMATCH"
    assert failure.metadata["current_version"] == "1"


async def test_a_stale_expected_version_wins_over_a_no_op(server, author, post):
    # Publishing a published post is a no-op, but only at the version the caller expects.
    published = await author.publish(post.post_id)

    failure = await _refused_appending_nothing(
        server, author.publish(post.post_id, expected_version=1)
    )

    assert failure.code == grpc.StatusCode.ABORTED
    assert failure.metadata["current_version"] == str(published.version)
