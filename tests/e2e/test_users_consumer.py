"""The users consumer in the service, on the real broker: UserDeleted deletes the user's posts
through the command path, a redelivery appends nothing, and poison messages go to the DLQ with
their origin while the consumer goes on. Each test has a database and topics of its own."""

import asyncio
import uuid
from dataclasses import replace
from typing import Any

import grpc
import sqlalchemy as sa
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract.consumed import ConsumedEvent
from post_service.bootstrap import Service
from post_service.settings import Settings
from tests.conftest import make_settings
from tests.support.commands import Commands
from tests.support.kafka import describe_topic, headers, read_topic
from tests.support.services import KAFKA_BOOTSTRAP
from tests.support.users_events import (
    cloudevent,
    committed,
    create_topic,
    publish,
    user_deleted,
)
from write_side.adapters.tables import posts_by_author
from write_side.entrypoints.users_consumer.deletion import request_id

PARTS = frozenset({"serve", "users-consumer"})
SYSTEM_ACTOR = uuid.UUID(int=0)
SERVING = health_pb2.HealthCheckResponse.SERVING


def settings_for(database_url: str) -> Settings:
    return make_settings(
        database_url,
        users_topic=f"users-{uuid.uuid4().hex[:10]}",
        users_consumer_group_id=f"users-consumer-{uuid.uuid4().hex[:10]}",
        users_consumer_max_attempts=2,
        users_consumer_backoff_max_s=0.05,
    )


async def events_of(engine: AsyncEngine, post_id: str) -> list[sa.Row[Any]]:
    query = sa.text(
        "SELECT version, event_type, actor_id, caller, request_id FROM events"
        " WHERE post_id = :p ORDER BY version"
    )
    async with engine.connect() as conn:
        return list(await conn.execute(query, {"p": uuid.UUID(post_id)}))


async def event_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.text("SELECT count(*) FROM events")) or 0)


async def until_deleted(engine: AsyncEngine, post_ids: list[str], within_s: float = 20) -> None:
    async with asyncio.timeout(within_s):
        for post_id in post_ids:
            while (await events_of(engine, post_id))[-1].event_type != "posts.v1.PostDeleted":
                await asyncio.sleep(0.05)


async def until_committed(settings: Settings, partition: int, offset: int) -> None:
    """Until the consumer group has committed past `offset`: that message came to its end."""
    bootstrap, group, topic = (
        settings.kafka_bootstrap_servers,
        settings.users_consumer_group_id,
        settings.users_topic,
    )
    async with asyncio.timeout(20):
        while (await committed(bootstrap, group, topic)).get(partition, -1) <= offset:
            await asyncio.sleep(0.05)


async def until_serving(channel: grpc.aio.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    request = health_pb2.HealthCheckRequest(service="users-consumer")
    async with asyncio.timeout(10):
        while (await stub.Check(request, timeout=3)).status != SERVING:
            await asyncio.sleep(0.05)


async def started(fresh_db: str, start_service, partitions: int) -> tuple[Service, Settings]:
    settings = settings_for(fresh_db)
    # The users topic is the users service's: it exists before we consume it.
    await create_topic(KAFKA_BOOTSTRAP, settings.users_topic, partitions)
    service: Service = await start_service(settings, PARTS)
    return service, settings


async def test_user_deleted_deletes_every_post_of_the_user_and_a_redelivery_appends_nothing(
    fresh_db, engine, start_service, channel_to
):
    service, settings = await started(fresh_db, start_service, partitions=2)
    channel = channel_to(service)
    user, bystander = Commands(channel), Commands(channel)
    draft = (await user.create(title="Draft")).post_id
    published = (await user.create(title="Published")).post_id
    await user.publish(published)
    gone = (await user.create(title="Deleted already")).post_id
    await user.delete(gone)
    others = (await bystander.create(title="Not theirs")).post_id
    message = user_deleted(user.actor)
    identity = ConsumedEvent(dict(message.headers)["ce_id"].decode(), "users-service", "", None)

    [offset] = await publish(KAFKA_BOOTSTRAP, settings.users_topic, [message])

    await until_deleted(engine, [draft, published])
    for post_id in (draft, published):
        deleted = (await events_of(engine, post_id))[-1]
        assert (deleted.actor_id, deleted.caller) == (SYSTEM_ACTOR, "users-consumer")
        assert deleted.request_id == request_id(identity, uuid.UUID(post_id))
    assert [e.event_type for e in await events_of(engine, gone)][-1] == "posts.v1.PostDeleted"
    assert len(await events_of(engine, gone)) == 2  # create, the author's delete: no other
    assert [e.event_type for e in await events_of(engine, others)] == ["posts.v1.PostCreated"]
    partition = await _partition_of(settings, message.key)
    await until_committed(settings, partition, offset)
    count = await event_count(engine)

    [again] = await publish(KAFKA_BOOTSTRAP, settings.users_topic, [message])

    await until_committed(settings, partition, again)
    assert await event_count(engine) == count
    await until_serving(channel)


async def _partition_of(settings: Settings, key: bytes | None) -> int:
    records = await read_topic(KAFKA_BOOTSTRAP, settings.users_topic, lambda rs: len(rs) >= 1)
    return next(r.partition for r in records if r.key == key)


async def test_poison_messages_go_to_the_dlq_with_their_origin_and_the_next_message_is_handled(
    fresh_db, engine, start_service, channel_to
):
    service, settings = await started(fresh_db, start_service, partitions=1)
    user = Commands(channel_to(service))
    post_id = (await user.create()).post_id
    # An index entry without a post behind it: every attempt to delete it fails (PostNotFound).
    ghost = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(sa.insert(posts_by_author).values(author_id=ghost, post_id=uuid.uuid4()))
    poison = [
        replace(user_deleted(uuid.uuid4()), value=b"{not json"),
        user_deleted(uuid.uuid4(), ce_id=None),
        cloudevent(
            "users.v1.UserDeleted", b'{"user_id":"nope","deleted_at":"2026-11-27T08:00:00Z"}'
        ),
        user_deleted(ghost),
    ]
    skipped = cloudevent("users.v1.UserRenamed", b'{"user_id":"x"}')

    await publish(
        KAFKA_BOOTSTRAP, settings.users_topic, [*poison, skipped, user_deleted(user.actor)]
    )

    await until_deleted(engine, [post_id])
    dlq = f"{settings.users_topic}.dlq"
    letters = await read_topic(KAFKA_BOOTSTRAP, dlq, lambda rs: len(rs) >= len(poison))
    assert len(letters) == len(poison)
    for offset, (letter, original) in enumerate(zip(letters, poison, strict=True)):
        assert (letter.key, letter.value) == (original.key, original.value)
        assert letter.headers[: len(original.headers)] == original.headers
        added = headers(letter)
        assert (added["dlq_original_topic"], added["dlq_original_partition"]) == (
            settings.users_topic,
            "0",
        )
        assert added["dlq_original_offset"] == str(offset)
        assert added["dlq_error"].startswith(
            "MalformedMessageError" if offset < 3 else "PostNotFound"
        )
    assert "after 2 attempts" in headers(letters[3])["dlq_error"]
    assert await describe_topic(KAFKA_BOOTSTRAP, dlq) == (1, {"cleanup.policy": "delete"})
