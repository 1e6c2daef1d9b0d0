"""The projector inside the service (serve + relay + projector in one process, as `run` has
them), on the real broker: commands reach the read tables, redeliveries change nothing, and
health follows the broker and the read database."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from grpc_health.v1 import health_pb2, health_pb2_grpc

from post_service.bootstrap import Service, make_engine
from post_service.settings import Settings
from tests.conftest import make_settings
from tests.support.command_stream import CommandStream
from tests.support.commands import Commands
from tests.support.kafka import Records, read_at_least
from tests.support.projection import Databases, checkpoints, wait_until_projected
from tests.support.services import KAFKA_BOOTSTRAP, PrivateKafka, asyncpg_dsn

# The `databases` fixture: one database, or the read tables in one of their own.
pytest_plugins = ["tests.support.projection_fixtures"]

PARTS = frozenset({"serve", "relay", "projector"})
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def settings_for(databases: Databases, bootstrap: str = KAFKA_BOOTSTRAP) -> Settings:
    return make_settings(
        databases.write_url,
        read_database_url=databases.read_url,
        kafka_bootstrap_servers=bootstrap,
        events_topic=f"posts-projector-{uuid.uuid4().hex[:10]}",
        events_partitions=3,
        projector_group_id=f"projector-{uuid.uuid4().hex[:10]}",
        projector_max_wait_ms=100,
    )


async def some_commands(channel: grpc.aio.Channel, count: int) -> None:
    stream, stop = CommandStream(channel), asyncio.Event()
    running = asyncio.create_task(stream.run(stop))
    async with asyncio.timeout(30):
        while stream.commands < count and not running.done():
            await asyncio.sleep(0.01)
    stop.set()
    await running


async def health_becomes(channel: grpc.aio.Channel, status: int, within_s: float = 20) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    request = health_pb2.HealthCheckRequest(service="projector")
    async with asyncio.timeout(within_s):
        while (await stub.Check(request, timeout=3)).status != status:
            await asyncio.sleep(0.05)


async def test_commands_reach_the_read_tables_through_the_relay_and_the_projector(
    databases, start_service, channel_to
):
    settings = settings_for(databases)
    channel = channel_to(await start_service(settings, PARTS))

    listed = Commands(channel)
    created = await listed.create(tags=["listed"])
    await listed.publish(created.post_id)
    await some_commands(channel, 80)

    model = await wait_until_projected(settings)
    assert len(model.views) > 3
    assert model.tags["listed"] == 1
    await health_becomes(channel, SERVING)


@pytest.fixture
def one_database(fresh_db: str) -> Databases:
    return Databases(fresh_db, fresh_db)


async def test_events_delivered_again_change_nothing(one_database, start_service, channel_to):
    settings = settings_for(one_database)
    service = await start_service(settings, PARTS)
    await some_commands(channel_to(service), 60)
    before = await wait_until_projected(settings)
    records = await read_at_least(KAFKA_BOOTSTRAP, settings.events_topic, await _events(service))

    # What a relay does after a crash: publish again what the broker already had.
    await _produce_again(settings.events_topic, records)
    await _until_checkpoints_reach(service, settings.events_topic, 2 * len(records))

    assert await wait_until_projected(settings) == before


async def _events(service: Service) -> int:
    async with service.engine.connect() as conn:
        return int(await conn.scalar(sa.text("SELECT count(*) FROM events")) or 0)


async def _produce_again(topic: str, records: Records) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA_BOOTSTRAP, acks="all")
    await producer.start()
    try:
        for r in records:
            await producer.send(topic, r.value, key=r.key, headers=list(r.headers))
        await producer.flush()
    finally:
        await producer.stop()


async def _until_checkpoints_reach(service: Service, topic: str, total: int) -> None:
    async with asyncio.timeout(20):
        while sum((await checkpoints(service.read_engine, topic)).values()) < total:
            await asyncio.sleep(0.05)


async def test_a_record_that_is_not_ours_halts_the_projector_rather_than_being_skipped(
    one_database, start_service, channel_to
):
    settings = settings_for(one_database)
    service = await start_service(settings, PARTS)
    channel = channel_to(service)
    await some_commands(channel, 20)
    await wait_until_projected(settings)

    foreign = await _produce_foreign_record(settings.events_topic)
    await some_commands(channel, 20)

    await health_becomes(channel, NOT_SERVING)
    applied_up_to = await checkpoints(service.read_engine, settings.events_topic)
    assert applied_up_to[foreign.partition] == foreign.offset
    await _overall_health_is_serving(channel)


async def _produce_foreign_record(topic: str):
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA_BOOTSTRAP, acks="all")
    await producer.start()
    try:
        return await producer.send_and_wait(topic, b'{"user": 42}', key=b"user-42", partition=0)
    finally:
        await producer.stop()


async def _overall_health_is_serving(channel: grpc.aio.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=3)
    assert reply.status == SERVING


@pytest.mark.parametrize("databases", ["separate read database"], indirect=True)
async def test_the_projector_is_not_serving_while_its_read_database_is_unreachable(
    databases, start_service, channel_to
):
    settings = settings_for(databases)
    channel = channel_to(await start_service(settings, PARTS))
    await some_commands(channel, 20)
    await wait_until_projected(settings)
    await health_becomes(channel, SERVING)

    async with _refusing_connections(databases.read_url):
        await some_commands(channel, 20)  # commands don't need the read database
        await health_becomes(channel, NOT_SERVING)

    await wait_until_projected(settings)
    await health_becomes(channel, SERVING)


class _refusing_connections:  # noqa: N801 - reads as what it does
    """New connections refused, existing ones ended: unreachable, as far as clients can tell."""

    def __init__(self, url: str) -> None:
        self._name = url.rsplit("/", 1)[1]

    async def __aenter__(self) -> None:
        await self._admin(
            sa.text(f'ALTER DATABASE "{self._name}" ALLOW_CONNECTIONS false'),
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
            ).bindparams(name=self._name),
        )

    async def __aexit__(self, *_exc: object) -> None:
        await self._admin(sa.text(f'ALTER DATABASE "{self._name}" ALLOW_CONNECTIONS true'))

    async def _admin(self, *statements: sa.TextClause) -> None:
        url = asyncpg_dsn("postgres").replace("postgresql:", "postgresql+asyncpg:", 1)
        engine = make_engine(url, pool_size=1)
        try:
            async with engine.begin() as conn:
                for statement in statements:
                    await conn.execute(statement)
        finally:
            await engine.dispose()


@pytest.fixture
async def private_kafka() -> AsyncIterator[PrivateKafka]:
    kafka = await asyncio.to_thread(PrivateKafka.create)
    yield kafka
    await asyncio.to_thread(kafka.destroy)


async def test_the_projector_is_not_serving_while_the_broker_is_down_and_catches_up_after(
    one_database, private_kafka, start_service, channel_to
):
    settings = settings_for(one_database, private_kafka.bootstrap)
    channel = channel_to(await start_service(settings, PARTS))
    await some_commands(channel, 20)
    await wait_until_projected(settings)
    await health_becomes(channel, SERVING)

    await asyncio.to_thread(private_kafka.stop)
    await health_becomes(channel, NOT_SERVING)
    await some_commands(channel, 20)  # commands don't need Kafka
    await asyncio.to_thread(private_kafka.start)

    await wait_until_projected(settings, within_s=60)
    await health_becomes(channel, SERVING)
