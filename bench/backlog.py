"""A backlog: N realistic events bulk-loaded into a fresh store, then relayed to a new topic.

The events come from bench/generate_events.py (COPY, not gRPC: loading is not what is
measured); the relay is the real `post-service relay` process, publishing to a topic of this
backlog's own, so each scenario drains exactly its events.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.cpu import CpuMeter, Roles
from bench.generate_events import load
from bench.harness import KAFKA, dsn, fresh_database, service_env, service_process
from bench.histories import Histories

PARTITIONS = 12


@dataclass(frozen=True)
class Backlog:
    database: str
    topic: str
    events: int
    # Records on the topic: at least `events` (the relay publishes at least once).
    messages: int
    load_s: float
    relay_s: float
    relay_cpu: dict[str, float]


async def store_events(events: int, seed: int = 1) -> tuple[str, float]:
    """A fresh database holding `events` events; returns it and the seconds loading took."""
    database = await fresh_database()
    started = time.monotonic()
    await load(dsn(database), Histories(seed).rows(events), quiet=True)
    return database, time.monotonic() - started


async def make_backlog(events: int, roles: Roles, seed: int = 1) -> Backlog:
    database, load_s = await store_events(events, seed)
    topic = f"bench.events.{database}"
    relay_s, cpu = await relay_all(database, topic, roles)
    return Backlog(database, topic, events, await topic_size(topic), load_s, relay_s, cpu)


async def relay_all(database: str, topic: str, roles: Roles) -> tuple[float, dict[str, float]]:
    """Runs the relay until its checkpoint reaches the store's last position."""
    conn = await asyncpg.connect(dsn(database))
    try:
        last = await conn.fetchval("SELECT coalesce(max(position), 0) FROM events")
        env = service_env(database, events_topic=topic, events_partitions=PARTITIONS)
        started = time.monotonic()
        with service_process("relay", env) as relay:
            meter = CpuMeter(roles.with_processes(relay=relay.pid))
            meter.start()
            await _until_relayed(conn, topic, last)
            elapsed, cpu = time.monotonic() - started, meter.stop()
    finally:
        await conn.close()
    return elapsed, cpu


async def _until_relayed(conn: asyncpg.Connection, topic: str, last: int) -> None:
    """Polls the relay's checkpoint (every 50 ms) until it reaches `last`."""
    query = "SELECT position FROM relay_checkpoints WHERE name = $1"
    while True:
        if int(await conn.fetchval(query, topic) or 0) >= last:
            return
        await asyncio.sleep(0.05)


async def topic_size(topic: str) -> int:
    """Records on the topic: the sum of its partitions' end offsets (nothing was deleted)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    return sum(ends.values())
