"""The relay in-process: the message on the wire, polling without NOTIFY, a broker outage, and
a leader that loses its lock. Each test uses a database and a topic of its own."""

import asyncio
import json
import uuid
from collections.abc import Callable

import asyncpg
import grpc
import pytest
import sqlalchemy as sa
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract import NewEvent, encode_data
from tests.conftest import make_settings
from tests.support.appending import append_new_post, insert_uncommitted, make_store, new_history
from tests.support.kafka import Records, describe_topic, headers, read_topic
from tests.support.services import KAFKA_BOOTSTRAP, PrivateKafka
from tests.support.waiting import eventually
from write_side.adapters.event_store import PostgresEventStore
from write_side.relay import checkpoint as checkpoint_module
from write_side.relay.checkpoint import load_checkpoint
from write_side.relay.leadership import lock_key

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
RELAY = frozenset({"relay"})


@pytest.fixture
def store(engine: AsyncEngine) -> PostgresEventStore:
    return make_store(engine)


@pytest.fixture
def topic() -> str:
    return f"posts-relay-{uuid.uuid4().hex[:10]}"


def _all_of(*histories: list[NewEvent]) -> Callable[[Records], bool]:
    wanted = {str(e.metadata.event_id) for h in histories for e in h}
    return lambda records: wanted <= {headers(r)["ce_id"] for r in records}


async def _positions(engine: AsyncEngine, history: list[NewEvent]) -> dict[int, int]:
    """version -> position, as the store assigned them."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text("SELECT version, position FROM events WHERE post_id = :p"),
            {"p": history[0].metadata.post_id},
        )
        return {r.version: r.position for r in rows}


async def _health(channel: grpc.aio.Channel, name: str) -> int:
    reply = await health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=name), timeout=5
    )
    return int(reply.status)


async def test_each_event_goes_out_exactly_as_the_design_example_shows(
    fresh_db, engine, store, topic, start_service
):
    settings = make_settings(fresh_db, events_topic=topic, events_partitions=3)
    await start_service(settings, RELAY)
    history = await append_new_post(store, 4)  # created, title edited, published, tags edited
    records = await read_topic(KAFKA_BOOTSTRAP, topic, _all_of(history))

    positions = await _positions(engine, history)
    by_version = {int(headers(r)["ce_postversion"]): r for r in records}
    post_id = str(history[0].metadata.post_id)
    for event in history:
        meta, record = event.metadata, by_version[event.metadata.version]
        assert record.key == post_id.encode()
        assert record.value == encode_data(event.payload)
        assert list(record.headers) == _expected_headers(event, positions[meta.version])
    assert json.loads(by_version[2].value) == {"post_id": post_id, "title": "New title"}
    assert json.loads(by_version[4].value) == {"post_id": post_id, "tags": ["python", "grpc"]}
    assert len({r.partition for r in records}) == 1  # one post, one partition, in order
    assert await describe_topic(KAFKA_BOOTSTRAP, topic) == (3, {"cleanup.policy": "delete"})
    await eventually(lambda: _checkpoint_is(engine, topic, max(positions.values())))


def _expected_headers(event: NewEvent, position: int) -> list[tuple[str, bytes]]:
    meta = event.metadata
    expected = [
        ("ce_specversion", "1.0"),
        ("ce_id", str(meta.event_id)),
        ("ce_source", "post-service"),
        ("ce_type", f"posts.v1.{type(event.payload).__name__}"),
        ("ce_subject", str(meta.post_id)),
        ("ce_time", f"2026-11-27T08:00:{meta.version:02d}.123456Z"),
        ("content-type", "application/json"),
        ("ce_postversion", str(meta.version)),
        ("ce_position", str(position)),
        ("ce_actorid", str(meta.actor_id)),
    ]
    if meta.request_id is not None:
        expected.append(("ce_requestid", str(meta.request_id)))
    expected += [("ce_caller", "test-suite"), ("ce_schemaversion", "1")]
    return [(name, value.encode()) for name, value in expected]


async def _checkpoint_is(engine: AsyncEngine, topic: str, position: int) -> bool:
    return await load_checkpoint(engine, topic) >= position


async def test_an_append_whose_notification_never_came_is_published_by_polling(
    fresh_db, engine, store, topic, start_service
):
    await start_service(make_settings(fresh_db, events_topic=topic), RELAY)
    heard = await append_new_post(store, 1)
    await read_topic(KAFKA_BOOTSTRAP, topic, _all_of(heard))  # the relay now waits for a wake-up
    silent = new_history(2)
    async with engine.begin() as conn:  # no pg_notify: as if the notification were lost
        await insert_uncommitted(conn, silent)
    await read_topic(KAFKA_BOOTSTRAP, topic, _all_of(silent), within_s=10)


async def test_while_the_broker_is_down_appends_succeed_and_the_backlog_arrives_when_it_returns(
    fresh_db, store, topic, start_service, channel_to
):
    kafka = await asyncio.to_thread(PrivateKafka.create)
    try:
        settings = make_settings(
            fresh_db,
            kafka_bootstrap_servers=kafka.bootstrap,
            events_topic=topic,
            events_partitions=2,
            relay_ack_timeout_s=2,
            relay_backoff_max_s=0.5,
        )
        channel = channel_to(await start_service(settings, frozenset({"serve", "relay"})))
        before = await append_new_post(store, 1)
        await read_topic(kafka.bootstrap, topic, _all_of(before))

        await asyncio.to_thread(kafka.stop)
        during = await append_new_post(store, 3)  # the command path does not need Kafka
        await eventually(lambda: _health_is(channel, "relay", NOT_SERVING))
        assert await _health(channel, "") == SERVING

        await asyncio.to_thread(kafka.start)
        records = await read_topic(kafka.bootstrap, topic, _all_of(during), within_s=40)
        await eventually(lambda: _health_is(channel, "relay", SERVING))
    finally:
        await asyncio.to_thread(kafka.destroy)
    arrived = {headers(r)["ce_id"]: r for r in records}
    for event in during:
        record = arrived[str(event.metadata.event_id)]
        assert record.key == str(event.metadata.post_id).encode()
        assert headers(record)["ce_postversion"] == str(event.metadata.version)
        assert headers(record)["ce_type"] == event.payload.TYPE
        assert record.value == encode_data(event.payload)


async def _health_is(channel: grpc.aio.Channel, name: str, status: int) -> bool:
    return await _health(channel, name) == status


async def test_a_leader_that_loses_its_lock_connection_stops_publishing_until_it_leads_again(
    fresh_db, engine, store, topic, start_service
):
    await start_service(make_settings(fresh_db, events_topic=topic), RELAY)
    first = await append_new_post(store, 2)
    await read_topic(KAFKA_BOOTSTRAP, topic, _all_of(first))

    rival = await asyncpg.connect(fresh_db.replace("+asyncpg", ""))
    try:
        # Queue behind the relay's lock, then cut the relay's lock session: the rival, first
        # in the queue, gets the lock before the relay can try again.
        taking = asyncio.create_task(rival.fetchval("SELECT pg_advisory_lock($1)", lock_key(topic)))
        await eventually(lambda: _someone_waits_for_the_lock(engine))
        await _terminate_the_lock_holder(engine)
        await asyncio.wait_for(taking, 10)

        second = await append_new_post(store, 2)
        # Three poll intervals and more: a relay still publishing would have sent it by now.
        await asyncio.sleep(2)
        records = await read_topic(KAFKA_BOOTSTRAP, topic, _all_of(first))
        assert {headers(r)["ce_id"] for r in records}.isdisjoint(
            str(e.metadata.event_id) for e in second
        )
    finally:
        await rival.close()  # releases the lock: the relay leads again
    await read_topic(KAFKA_BOOTSTRAP, topic, _all_of(second))


async def _someone_waits_for_the_lock(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        query = "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted)"
        return bool(await conn.scalar(sa.text(query)))


async def _terminate_the_lock_holder(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        terminated = await conn.scalar(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
                " WHERE locktype = 'advisory' AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
    assert terminated == 1


async def test_while_events_flow_the_checkpoint_is_saved_at_intervals_not_every_round(
    fresh_db, engine, store, topic, *, start_service, monkeypatch
):
    saved: list[int] = []
    save = checkpoint_module.save_checkpoint

    async def recorded(engine: AsyncEngine, name: str, position: int) -> None:
        await save(engine, name, position)
        saved.append(position)

    monkeypatch.setattr(checkpoint_module, "save_checkpoint", recorded)
    await start_service(make_settings(fresh_db, events_topic=topic), RELAY)
    histories = []
    for _ in range(30):  # one post every 20 ms: each its own round of the relay
        histories.append(await append_new_post(store, 1))
        await asyncio.sleep(0.02)
    await read_topic(KAFKA_BOOTSTRAP, topic, _all_of(*histories))
    last = max((await _positions(engine, histories[-1])).values())

    # Saved about every CHECKPOINT interval (0.2 s) over the ~0.6 s of appends, and the last
    # position once they stopped: never past an acknowledged one, and never left behind.
    await eventually(lambda: _checkpoint_is(engine, topic, last))
    assert saved == sorted(saved)
    assert saved[-1] == last
    assert 2 <= len(saved) <= 8
