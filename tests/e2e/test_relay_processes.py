"""`post-service relay` as real processes: killed with SIGKILL mid-backlog and restarted, and
two at once with a takeover. What must hold is asserted, not what may vary: every event is on
the topic and each post's first occurrences are in version order; duplicates are allowed."""

import asyncio
import os
import re
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract import NewEvent
from post_service.bootstrap import make_engine
from tests.support.appending import append_many, append_new_post, make_store
from tests.support.kafka import (
    Records,
    first_versions_by_post,
    headers,
    read_topic,
    wait_for_messages,
)
from tests.support.services import KAFKA_BOOTSTRAP, REPO
from tests.support.waiting import eventually
from write_side.adapters.event_store import PostgresEventStore
from write_side.relay.checkpoint import load_checkpoint

POSTS, VERSIONS = 200, 15  # 3,000 events


@pytest.fixture
async def engine(fresh_db: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(fresh_db, pool_size=16)
    yield engine
    await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> PostgresEventStore:
    return make_store(engine)


@pytest.fixture
def topic() -> str:
    return f"posts-relay-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def relays(
    fresh_db: str, topic: str, tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Starts `post-service relay` processes; kills whatever is left after the test."""
    started: list[subprocess.Popen[bytes]] = []
    logs: list[IO[str]] = []

    def start(**settings: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "POST_SERVICE_DATABASE_URL": fresh_db,
            "POST_SERVICE_KAFKA_BOOTSTRAP_SERVERS": KAFKA_BOOTSTRAP,
            "POST_SERVICE_EVENTS_TOPIC": topic,
            "POST_SERVICE_EVENTS_PARTITIONS": "6",
            "POST_SERVICE_LOG_FORMAT": "text",
            **{f"POST_SERVICE_{k.upper()}": v for k, v in settings.items()},
        }
        log = (tmp_path / f"relay-{len(started)}.log").open("w")
        logs.append(log)
        # cwd outside the repository: a developer's .env must not change what is tested.
        process = subprocess.Popen(
            [str(REPO / ".venv/bin/post-service"), "relay"],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()
    for log in logs:
        log.close()


async def _last_position(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.text("SELECT max(position) FROM events")) or 0)


def _ids(histories: list[list[NewEvent]]) -> set[str]:
    return {str(e.metadata.event_id) for h in histories for e in h}


def _contains(ids: set[str]) -> Callable[[Records], bool]:
    return lambda records: ids <= {headers(r)["ce_id"] for r in records}


async def test_a_relay_killed_mid_backlog_and_restarted_leaves_every_event_on_the_topic_in_order(
    engine, store, topic, relays
):
    histories = await append_many(store, POSTS, VERSIONS, per_transaction=3)
    last = await _last_position(engine)

    first = relays(relay_batch_size="25")
    await wait_for_messages(KAFKA_BOOTSTRAP, topic, 300)
    first.send_signal(signal.SIGKILL)
    await asyncio.to_thread(first.wait, 10)
    killed_at = await load_checkpoint(engine, topic)
    assert killed_at < last, "the relay finished before it was killed: nothing was tested"

    second = relays(relay_batch_size="25")
    await eventually(lambda: _checkpoint_reached(engine, topic, last))
    second.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(second.wait, 30) == 0

    records = await read_topic(KAFKA_BOOTSTRAP, topic, _contains(_ids(histories)), within_s=30)
    firsts = first_versions_by_post(records)
    assert len(firsts) == POSTS
    assert all(versions == list(range(1, VERSIONS + 1)) for versions in firsts.values())


async def _checkpoint_reached(engine: AsyncEngine, topic: str, position: int) -> bool:
    return await load_checkpoint(engine, topic) >= position


async def test_of_two_relays_one_publishes_and_the_other_takes_over_when_it_is_killed(
    engine, store, topic, relays
):
    processes = {p.pid: p for p in (relays(), relays())}
    before = [await append_new_post(store, 4)]
    await eventually(lambda: _checkpoint_reached(engine, topic, 4))
    leader_pid = await _leader_pid(engine)
    assert leader_pid in processes
    [standby_pid] = set(processes) - {leader_pid}
    await eventually(lambda: _has_a_session(engine, standby_pid))  # standing by, connected
    assert await _leader_pid(engine) == leader_pid

    processes[leader_pid].send_signal(signal.SIGKILL)
    await asyncio.to_thread(processes[leader_pid].wait, 10)
    after = [await append_new_post(store, 4)]
    records = await read_topic(KAFKA_BOOTSTRAP, topic, _contains(_ids(before + after)))
    assert await _leader_pid(engine) == standby_pid

    # The standby never published: the leader had checkpointed `before` when it was killed,
    # so with one publisher at a time each of its events is on the topic exactly once.
    seen = [headers(r)["ce_id"] for r in records]
    assert all(seen.count(event_id) == 1 for event_id in _ids(before))
    assert first_versions_by_post(records) == {
        str(h[0].metadata.post_id): [1, 2, 3, 4] for h in before + after
    }


async def _leader_pid(engine: AsyncEngine) -> int | None:
    """The OS pid of the relay holding the lock, from its session's application_name."""
    async with engine.connect() as conn:
        names = await conn.scalars(
            sa.text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                " WHERE l.locktype = 'advisory' AND l.granted"
                " AND a.datname = current_database()"
            )
        )
        pids = [int(m.group(1)) for n in names if (m := re.search(r"pid=(\d+)", n))]
    return pids[0] if len(pids) == 1 else None


async def _has_a_session(engine: AsyncEngine, pid: int) -> bool:
    async with engine.connect() as conn:
        query = sa.text(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name LIKE :name)"
        )
        return bool(await conn.scalar(query, {"name": f"post-service relay pid={pid} %"}))
