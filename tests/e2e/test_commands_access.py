"""Who may change which post: existence never leaks, moderators and admins may change any post.

To someone else a draft, a private post or a deleted post does not exist (NOT_FOUND), even
when their expected_version is wrong; a post they can see but do not own is PERMISSION_DENIED.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import pytest
from posts.v1 import command_service_pb2 as pb
from posts.v1 import common_pb2

from tests.support.command_e2e import Failure, Running, refused, running_service
from tests.support.commands import Commands

PUBLIC = common_pb2.VISIBILITY_PUBLIC
UNLISTED = common_pb2.VISIBILITY_UNLISTED
PRIVATE = common_pb2.VISIBILITY_PRIVATE

type Send = Callable[[Commands, str, dict[str, Any]], Awaitable[pb.CommandResult]]

COMMANDS: dict[str, Send] = {
    "edit": lambda c, post_id, kw: c.edit(post_id, title="Taken over", **kw),
    "publish": lambda c, post_id, kw: c.publish(post_id, **kw),
    "unpublish": lambda c, post_id, kw: c.unpublish(post_id, **kw),
    "delete": lambda c, post_id, kw: c.delete(post_id, **kw),
    "restore": lambda c, post_id, kw: c.restore(post_id, **kw),
}
EVERY_COMMAND = pytest.mark.parametrize("command", list(COMMANDS))

# Posts of someone else's that a plain user cannot see: (visibility, steps after create).
INVISIBLE = [
    pytest.param(PUBLIC, (), id="public draft"),
    pytest.param(PRIVATE, (), id="private draft"),
    pytest.param(PRIVATE, ("publish",), id="private published post"),
    pytest.param(PUBLIC, ("publish", "delete"), id="deleted public post"),
    pytest.param(PUBLIC, ("delete",), id="deleted draft"),
]
VISIBLE = [
    pytest.param(PUBLIC, ("publish",), id="public published post"),
    pytest.param(UNLISTED, ("publish",), id="unlisted published post"),
]


@pytest.fixture(scope="module")
async def server(template_db: str) -> AsyncIterator[Running]:
    async with running_service(template_db) as running:
        yield running


async def _post_of_someone_else(
    server: Running, visibility: common_pb2.Visibility.ValueType, steps: tuple[str, ...]
) -> pb.CommandResult:
    owner = server.as_user()
    latest = await owner.create(visibility=visibility)
    for step in steps:
        latest = await COMMANDS[step](owner, latest.post_id, {})
    return latest


async def _refused_appending_nothing(server: Running, call: Awaitable[object]) -> Failure:
    count_before = await server.event_count()
    failure = await refused(call)
    assert await server.event_count() == count_before
    return failure


@EVERY_COMMAND
@pytest.mark.parametrize(("visibility", "steps"), VISIBLE)
async def test_changing_someone_elses_published_post_is_permission_denied(
    server, visibility, steps, command
):
    post = await _post_of_someone_else(server, visibility, steps)

    failure = await _refused_appending_nothing(
        server, COMMANDS[command](server.as_user(), post.post_id, {})
    )

    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
    assert failure.reason == "PERMISSION_DENIED"


@EVERY_COMMAND
@pytest.mark.parametrize(("visibility", "steps"), INVISIBLE)
async def test_changing_someone_elses_post_that_one_cannot_see_is_not_found(
    server, visibility, steps, command
):
    post = await _post_of_someone_else(server, visibility, steps)

    failure = await _refused_appending_nothing(
        server, COMMANDS[command](server.as_user(), post.post_id, {})
    )

    assert failure.code == grpc.StatusCode.NOT_FOUND
    assert failure.reason == "POST_NOT_FOUND"


@pytest.mark.parametrize("expected_version", [0, 1, 2, 99])
@pytest.mark.parametrize(("visibility", "steps"), INVISIBLE)
async def test_a_wrong_expected_version_on_an_invisible_post_is_not_found_not_aborted(
    server, visibility, steps, expected_version
):
    post = await _post_of_someone_else(server, visibility, steps)
    stranger = server.as_user()

    failure = await _refused_appending_nothing(
        server, stranger.edit(post.post_id, expected_version=expected_version, title="x")
    )

    assert failure.code == grpc.StatusCode.NOT_FOUND
    assert "current_version" not in failure.metadata


async def test_an_invisible_post_answers_exactly_like_one_that_does_not_exist(server):
    draft = await _post_of_someone_else(server, PRIVATE, ())
    stranger = server.as_user()

    hidden = await refused(stranger.edit(draft.post_id, expected_version=1, title="x"))
    missing = await refused(stranger.edit(str(uuid.uuid4()), expected_version=1, title="x"))

    assert (hidden.code, hidden.reason, hidden.metadata) == (
        missing.code,
        missing.reason,
        missing.metadata,
    )


@pytest.mark.parametrize("roles", ["moderator", "admin", "reader, Moderator", "ADMIN"])
@pytest.mark.parametrize(
    ("visibility", "steps"),
    [
        pytest.param(PUBLIC, ("publish",), id="public published post"),
        pytest.param(PRIVATE, (), id="private draft"),
    ],
)
async def test_a_moderator_or_admin_may_edit_anyones_post(server, visibility, steps, roles):
    post = await _post_of_someone_else(server, visibility, steps)
    moderator = server.as_user(roles=roles)

    result = await moderator.edit(post.post_id, expected_version=post.version, title="Moderated")

    assert result.version == post.version + 1
    edited = (await server.events_of(post.post_id))[-1]
    assert edited.event_type == "posts.v1.PostEdited"
    assert edited.actor_id == moderator.actor


@pytest.mark.parametrize("roles", ["moderator", "admin"])
async def test_a_moderator_or_admin_may_delete_and_restore_anyones_deleted_post(server, roles):
    post = await _post_of_someone_else(server, PRIVATE, ("publish",))
    moderator = server.as_user(roles=roles)

    deleted = await moderator.delete(post.post_id)
    restored = await moderator.restore(post.post_id)

    assert (deleted.version, restored.version) == (post.version + 1, post.version + 2)


@pytest.mark.parametrize("roles", ["editor", "moderators", "user,owner"])
async def test_other_roles_give_no_right_to_change_someone_elses_post(server, roles):
    post = await _post_of_someone_else(server, PUBLIC, ("publish",))

    failure = await _refused_appending_nothing(
        server, server.as_user(roles=roles).edit(post.post_id, title="x")
    )

    assert failure.code == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", "Bearer ", "Basic test-token", "test-token"],
    ids=["no token", "wrong token", "empty token", "wrong scheme", "no scheme"],
)
async def test_a_command_without_valid_credentials_is_unauthenticated_and_appends_nothing(
    server, authorization
):
    owner = server.as_user()
    post = await owner.create()
    metadata = [("x-actor-id", str(owner.actor))]
    if authorization is not None:
        metadata.append(("authorization", authorization))
    stub = owner.stub

    create = await _refused_appending_nothing(
        server, stub.CreatePost(pb.CreatePostRequest(title="t"), metadata=metadata, timeout=10)
    )
    delete = await _refused_appending_nothing(
        server,
        stub.DeletePost(pb.DeletePostRequest(post_id=post.post_id), metadata=metadata, timeout=10),
    )

    for failure in (create, delete):
        assert failure.code == grpc.StatusCode.UNAUTHENTICATED
