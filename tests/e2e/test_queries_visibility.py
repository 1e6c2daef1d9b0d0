"""Who sees what (DESIGN.md, "Domain"), through every query RPC: one author's posts in each
status and visibility, read by the author, another user, a caller without a user, a moderator
and an admin. To anyone but the author and moderators, drafts, PRIVATE and deleted posts don't
exist; UNLISTED posts are readable by id but never listed or searched."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from posts.v1 import common_pb2

from tests.support.command_e2e import Running, refused, running_service
from tests.support.queries import Reader, ids, project_all

STATUSES = ("DRAFT", "PUBLISHED", "DELETED")
VISIBILITIES = ("PUBLIC", "UNLISTED", "PRIVATE")
# What anyone but the author and moderators may see, as (status, visibility).
OTHERS_BY_ID = {("PUBLISHED", "PUBLIC"), ("PUBLISHED", "UNLISTED")}
OTHERS_LISTED = {("PUBLISHED", "PUBLIC")}


@dataclass
class World:
    server: Running
    author: uuid.UUID
    tag: str  # on every post of the world, and on nobody else's
    word: str  # in every post's body, and in nobody else's
    posts: dict[tuple[str, str], str]  # (status, visibility) -> post id

    def reader(self, caller: str) -> Reader:
        actor, roles = {
            "author": (self.author, ""),
            "other user": (uuid.uuid4(), ""),
            "no user": (None, ""),
            "moderator": (uuid.uuid4(), "moderator"),
            "admin": (uuid.uuid4(), "admin"),
        }[caller]
        return Reader(self.server.channel, actor, roles)

    def expected(self, caller: str, *, show_deleted: bool, listed: bool) -> set[str]:
        allowed = OTHERS_LISTED if listed else OTHERS_BY_ID
        sees_all = caller in {"author", "moderator", "admin"}
        return {
            post_id
            for (status, visibility), post_id in self.posts.items()
            if (show_deleted or status != "DELETED")
            and (sees_all or (status, visibility) in allowed)
        }


@pytest.fixture(scope="module")
async def world(template_db: str) -> AsyncIterator[World]:
    async with running_service(template_db) as server:
        author = server.as_user()
        tag, word = f"t{uuid.uuid4().hex[:8]}", f"w{uuid.uuid4().hex[:8]}"
        posts = {}
        for status in STATUSES:
            for visibility in VISIBILITIES:
                value = getattr(common_pb2, f"VISIBILITY_{visibility}")
                created = await author.create(body=word, tags=[tag], visibility=value)
                if status != "DRAFT":
                    await author.publish(created.post_id)
                if status == "DELETED":
                    await author.delete(created.post_id)
                posts[status, visibility] = created.post_id
        await project_all(server.service.engine, server.service.read_engine)
        yield World(server, author.actor, tag, word, posts)


CALLERS = ["author", "other user", "no user", "moderator", "admin"]
# GetPostAt at a time after every event: the post as it is now.
NOW_AND_THEN = Timestamp(seconds=int((datetime.now(UTC) + timedelta(days=1)).timestamp()))


async def _get_codes(reader: Reader, post_ids, **fields) -> dict[str, grpc.StatusCode]:
    codes = {}
    for post_id in post_ids:
        try:
            await reader.get(post_id, **fields)
            codes[post_id] = grpc.StatusCode.OK
        except grpc.aio.AioRpcError as error:
            codes[post_id] = error.code()
    return codes


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("show_deleted", [False, True])
async def test_get_post_and_batch_get(world, caller, show_deleted):
    reader = world.reader(caller)
    expected = world.expected(caller, show_deleted=show_deleted, listed=False)
    post_ids = list(world.posts.values())

    by_get = await _get_codes(reader, post_ids, show_deleted=show_deleted)
    batch = await reader.batch(post_ids, show_deleted=show_deleted)

    ok, not_found = grpc.StatusCode.OK, grpc.StatusCode.NOT_FOUND
    assert by_get == {post_id: ok if post_id in expected else not_found for post_id in post_ids}
    assert set(ids(batch.posts)) == expected
    assert set(batch.missing_post_ids) == set(post_ids) - expected


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("show_deleted", [False, True])
async def test_list_posts(world, caller, show_deleted):
    reader = world.reader(caller)
    expected = world.expected(caller, show_deleted=show_deleted, listed=True)

    by_author = await reader.list_all(
        author_id=str(world.author), tag=world.tag, show_deleted=show_deleted
    )
    by_tag = await reader.list_all(tag=world.tag, show_deleted=show_deleted)

    assert set(ids(by_author)) == expected
    assert set(ids(by_tag)) == expected


@pytest.mark.parametrize("caller", CALLERS)
async def test_search_posts(world, caller):
    found = await world.reader(caller).search_all(world.word)
    assert set(ids(found)) == world.expected(caller, show_deleted=False, listed=True)


@pytest.mark.parametrize("caller", CALLERS)
async def test_post_at_follows_get_post_with_show_deleted(world, caller):
    reader = world.reader(caller)
    expected = world.expected(caller, show_deleted=True, listed=False)

    for post_id in world.posts.values():
        if post_id in expected:
            assert (await reader.at(post_id, time=NOW_AND_THEN)).post_id == post_id
        else:
            failure = await refused(reader.at(post_id, time=NOW_AND_THEN))
            assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "POST_NOT_FOUND")


@pytest.mark.parametrize("caller", CALLERS)
async def test_history_is_the_authors_and_moderators_and_others_never_learn_more(world, caller):
    reader = world.reader(caller)
    sees_all = caller in {"author", "moderator", "admin"}
    visible = world.expected(caller, show_deleted=True, listed=False)

    for post_id in world.posts.values():
        if sees_all:
            assert (await reader.history(post_id)).events
            continue
        failure = await refused(reader.history(post_id))
        # Others may know a post they can see exists, but not its earlier versions.
        want = (
            (grpc.StatusCode.PERMISSION_DENIED, "HISTORY_NOT_ALLOWED")
            if post_id in visible
            else (grpc.StatusCode.NOT_FOUND, "POST_NOT_FOUND")
        )
        assert (failure.code, failure.reason) == want
