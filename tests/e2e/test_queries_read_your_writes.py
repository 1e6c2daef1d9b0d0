"""GetPost's min_version: read your own write, wait for it in bound, never leak existence.

The first test runs the live pipeline (commands → event store → relay → Kafka → projector →
read model) and reads each command's result at once by passing its version as min_version: no
sleeps, the server waits for exactly as long as the projection needs. The others project by hand
to control what the read model holds, and show that the wait is bounded by MIN_VERSION_WAIT_MS
and by the call's deadline, and that LISTEN/NOTIFY (not polling) wakes it.
"""

import asyncio
import time
import uuid

import grpc
from posts.v1 import common_pb2
from posts.v1 import query_service_pb2 as pb

from tests.conftest import make_settings
from tests.support.command_e2e import refused
from tests.support.commands import Commands
from tests.support.queries import Reader, project_all

BEHIND = (grpc.StatusCode.UNAVAILABLE, "PROJECTION_BEHIND")


async def test_each_commands_version_as_min_version_reads_that_version(
    fresh_db, start_service, channel_to
):
    suffix = uuid.uuid4().hex[:10]
    settings = make_settings(
        fresh_db,
        events_topic=f"posts.events.test.{suffix}",
        projector_group_id=f"projector-test-{suffix}",
        # Generous only for the first read, which waits for the projector to join its group.
        min_version_wait_ms=30_000,
    )
    service = await start_service(settings, frozenset({"serve", "relay", "projector"}))
    channel = channel_to(service)
    author = Commands(channel)
    reader = Reader(channel, author.actor)

    created = await author.create(title="First")
    v1 = await reader.get(created.post_id, min_version=created.version)
    edited = await author.edit(created.post_id, title="Second")
    v2 = await reader.get(created.post_id, min_version=edited.version)
    published = await author.publish(created.post_id)
    v3 = await reader.get(created.post_id, min_version=published.version)
    deleted = await author.delete(created.post_id)
    v4 = await reader.get(created.post_id, min_version=deleted.version, show_deleted=True)

    assert (v1.version, v1.title) == (1, "First")
    assert (v2.version, v2.title) == (2, "Second")
    assert (v3.version, v3.status) == (3, common_pb2.POST_STATUS_PUBLISHED)
    assert (v4.version, v4.status) == (4, common_pb2.POST_STATUS_DELETED)
    assert v4.position == deleted.position


async def test_an_unreachable_version_is_projection_behind_after_the_bound(
    fresh_db, start_service, channel_to
):
    service = await start_service(make_settings(fresh_db, min_version_wait_ms=300))
    author = Commands(channel_to(service))
    created = await author.create()
    await project_all(service.engine, service.read_engine)
    reader = Reader(channel_to(service), author.actor)

    started = time.monotonic()
    failure = await refused(reader.get(created.post_id, min_version=2))
    elapsed = time.monotonic() - started

    assert (failure.code, failure.reason) == BEHIND
    assert failure.metadata["min_version"] == "2"
    assert 0.3 <= elapsed < 2.0


async def test_the_wait_ends_before_the_calls_deadline(fresh_db, start_service, channel_to):
    service = await start_service(make_settings(fresh_db, min_version_wait_ms=20_000))
    reader = Reader(channel_to(service))

    request = pb.GetPostRequest(post_id=str(uuid.uuid4()), min_version=1)

    started = time.monotonic()
    failure = await refused(reader.stub.GetPost(request, metadata=reader.metadata, timeout=0.5))

    assert (failure.code, failure.reason) == BEHIND
    assert time.monotonic() - started < 0.5


async def test_a_post_the_caller_may_not_see_never_reaches_its_version(
    fresh_db, start_service, channel_to
):
    service = await start_service(make_settings(fresh_db, min_version_wait_ms=200))
    channel = channel_to(service)
    author = Commands(channel)
    draft = await author.create()
    await project_all(service.engine, service.read_engine)

    hidden = await refused(Reader(channel, uuid.uuid4()).get(draft.post_id, min_version=1))
    unknown = await refused(Reader(channel, uuid.uuid4()).get(str(uuid.uuid4()), min_version=1))
    own = await Reader(channel, author.actor).get(draft.post_id, min_version=1)

    assert (hidden.code, hidden.reason) == (unknown.code, unknown.reason) == BEHIND
    assert own.version == 1


async def test_a_deleted_post_at_its_version_is_not_found_without_show_deleted(
    fresh_db, start_service, channel_to
):
    service = await start_service(make_settings(fresh_db, min_version_wait_ms=20_000))
    author = Commands(channel_to(service))
    post_id = (await author.create()).post_id
    deleted = await author.delete(post_id)
    await project_all(service.engine, service.read_engine)

    started = time.monotonic()
    failure = await refused(
        Reader(channel_to(service), author.actor).get(post_id, min_version=deleted.version)
    )

    assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "POST_NOT_FOUND")
    assert time.monotonic() - started < 5  # answered, not waited out


async def test_the_projectors_notify_wakes_a_waiting_read(fresh_db, start_service, channel_to):
    # Re-checks only every 60 s and waits up to 20 s: only the NOTIFY can answer it sooner.
    settings = make_settings(fresh_db, min_version_wait_ms=20_000, min_version_recheck_ms=60_000)
    service = await start_service(settings)
    author = Commands(channel_to(service))
    post_id = (await author.create()).post_id
    await project_all(service.engine, service.read_engine)
    reader = Reader(channel_to(service), author.actor)
    waiting = asyncio.create_task(reader.get(post_id, min_version=2))

    await author.edit(post_id, title="Changed")
    await project_all(service.engine, service.read_engine)
    projected = time.monotonic()
    post = await waiting

    assert (post.version, post.title) == (2, "Changed")
    assert time.monotonic() - projected < 5
