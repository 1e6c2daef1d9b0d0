"""GetPost's coalesced lookups (read_side.adapters.post_lookup): concurrent calls share one
statement, and yet each caller gets exactly its own answer.

Many callers (authors, a moderator, strangers, nobody) ask at once for posts in every status and
visibility, so batches mix callers who may see a post with callers who may not; min_version
waiters all woken by one NOTIFY each wake with their own post; and a lookup survives its
connections being killed, as the engine's pre-ping makes the other queries do.
"""

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import grpc
import pytest
from posts.v1 import common_pb2

from read_side.adapters import post_lookup
from tests.support.command_e2e import Running, failure_of, refused, running_service
from tests.support.queries import Reader, project_all

STATUSES = ("DRAFT", "PUBLISHED", "DELETED")
VISIBILITIES = ("PUBLIC", "UNLISTED", "PRIVATE")
OTHERS_SEE = {("PUBLISHED", "PUBLIC"), ("PUBLISHED", "UNLISTED")}
NOT_FOUND = (grpc.StatusCode.NOT_FOUND, "POST_NOT_FOUND")
BEHIND = (grpc.StatusCode.UNAVAILABLE, "PROJECTION_BEHIND")


@dataclass(frozen=True)
class Post:
    post_id: str
    author: uuid.UUID
    status: str
    visibility: str
    title: str


@pytest.fixture
async def server(template_db: str) -> AsyncIterator[Running]:
    # Woken only by NOTIFY (a re-check a minute apart), and strangers' waits end soon.
    async with running_service(
        template_db, min_version_wait_ms=3000, min_version_recheck_ms=60_000
    ) as running:
        yield running


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[set[uuid.UUID]]:
    """The ids each lookup statement read, in order (the server runs in this process). Each
    statement is made slow, as a loaded database's are: calls then queue behind the ones in
    flight, and batches form for certain."""
    seen: list[set[uuid.UUID]] = []
    read = post_lookup._read

    async def spy(pool, post_ids):  # a test double of post_lookup._read
        seen.append(set(post_ids))
        await asyncio.sleep(0.02)
        return await read(pool, post_ids)

    monkeypatch.setattr(post_lookup, "_read", spy)
    return seen


async def make_posts(server: Running, authors: Sequence[uuid.UUID]) -> list[Post]:
    """Each author's posts in every status and visibility, each with a title of its own."""
    posts = []
    for author_id, status, visibility in itertools.product(authors, STATUSES, VISIBILITIES):
        author = server.as_user(author_id)
        title = f"{status} {visibility} {uuid.uuid4().hex[:8]}"
        value = getattr(common_pb2, f"VISIBILITY_{visibility}")
        post_id = (await author.create(title=title, visibility=value)).post_id
        if status != "DRAFT":
            await author.publish(post_id)
        if status == "DELETED":
            await author.delete(post_id)
        posts.append(Post(post_id, author_id, status, visibility, title))
    await project_all(server.service.engine, server.service.read_engine)
    return posts


def sees(caller: str, actor: uuid.UUID | None, post: Post, *, show_deleted: bool) -> bool:
    if post.status == "DELETED" and not show_deleted:
        return False
    if caller == "moderator" or actor == post.author:
        return True
    return (post.status, post.visibility) in OTHERS_SEE


async def answer(reader: Reader, post_id: str, **fields: object) -> object:
    """The post's (id, author, title, version), or how the call failed."""
    try:
        post = await reader.get(post_id, **fields)
    except grpc.aio.AioRpcError as error:
        failure = failure_of(error)
        return failure.code, failure.reason
    return post.post_id, post.author_id, post.title, post.version


async def test_concurrent_callers_in_shared_batches_each_get_their_own_answer(server, batches):
    authors = [uuid.uuid4(), uuid.uuid4()]
    posts = await make_posts(server, authors)
    callers = {
        "first author": authors[0],
        "second author": authors[1],
        "moderator": uuid.uuid4(),
        "stranger": uuid.uuid4(),
        "nobody": None,
    }
    readers = {
        name: Reader(server.channel, actor, "moderator" if name == "moderator" else "")
        for name, actor in callers.items()
    }
    asks = [
        (name, post, show_deleted)
        for name, post, show_deleted in itertools.product(callers, posts, (False, True))
    ] * 3
    unknown = str(uuid.uuid4())
    batches.clear()

    got = await asyncio.gather(
        *(answer(readers[n], p.post_id, show_deleted=d) for n, p, d in asks),
        *(answer(reader, unknown) for reader in readers.values()),
    )

    want = [
        (p.post_id, str(p.author), p.title, 1 + (p.status != "DRAFT") + (p.status == "DELETED"))
        if sees(n, callers[n], p, show_deleted=d)
        else NOT_FOUND
        for n, p, d in asks
    ] + [NOT_FOUND] * len(readers)
    assert got == want
    # The calls shared statements, each reading posts that some of its callers may not see.
    assert len(batches) < len(got) // 4
    assert max(len(ids) for ids in batches) > len(posts) // 2


async def test_waiters_woken_by_one_notify_each_get_their_own_post(server, batches):
    authors = [uuid.uuid4() for _ in range(12)]
    drafts = {}
    for author in authors:
        drafts[author] = (await server.as_user(author).create(title="v1")).post_id
    await project_all(server.service.engine, server.service.read_engine)
    waiting = {
        author: asyncio.create_task(Reader(server.channel, author).get(post_id, min_version=2))
        for author, post_id in drafts.items()
    }
    # Strangers waiting on the same drafts never see them: the wait ends as for no post.
    strangers = [
        asyncio.create_task(refused(Reader(server.channel, uuid.uuid4()).get(p, min_version=2)))
        for p in drafts.values()
    ]
    await asyncio.sleep(0.5)  # every wait has checked once and sleeps until a NOTIFY
    for author, post_id in drafts.items():
        await server.as_user(author).edit(post_id, title=f"v2 of {author}")
    batches.clear()

    await project_all(server.service.engine, server.service.read_engine)  # one NOTIFY
    woken = {author: await task for author, task in waiting.items()}
    statements = len(batches)

    for author, post in woken.items():
        assert (post.post_id, post.author_id) == (drafts[author], str(author))
        assert (post.version, post.title) == (2, f"v2 of {author}")
    assert [(f.code, f.reason) for f in await asyncio.gather(*strangers)] == [BEHIND] * len(drafts)
    # The herd of re-checks came as a few statements, not one per waiter.
    assert statements < (len(waiting) + len(strangers)) // 2


async def test_a_lookup_after_its_connections_were_killed_still_answers(server):
    author = server.as_user()
    post_id = (await author.create(title="Still here")).post_id
    await project_all(server.service.engine, server.service.read_engine)
    reader = Reader(server.channel, author.actor)
    await asyncio.gather(*(reader.get(post_id) for _ in range(8)))  # the pool has connections

    await server.database.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )

    assert (await reader.get(post_id)).title == "Still here"
