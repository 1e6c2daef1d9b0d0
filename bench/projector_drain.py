"""Scenario 5: the projector draining a backlog of N events already on the topic.

    .venv/bin/python -m bench.projector_drain --events 100000

`post-service projector` (its own process, its own consumer group) starts against a topic that
holds the whole backlog; the clock runs from its first committed batch to the batch that
brings the read model's checkpoints to the topic's end (the process start-up and the group
join, about 3 s, are reported apart). The read model is in the same database as the store,
as with the default settings. CPU is counted over the same window.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg

from bench.backlog import Backlog, make_backlog
from bench.cpu import CpuMeter, Roles, pid_with_cmdline, postmaster_pid
from bench.harness import ADMIN_DSN, KAFKA_CMDLINE, dsn, service_env, service_process, services_up


async def drain(backlog: Backlog, roles: Roles, batch_size: int | None = None) -> dict[str, Any]:
    settings: dict[str, str | int] = {
        "events_topic": backlog.topic,
        "projector_group_id": f"bench-projector-{uuid.uuid4().hex[:8]}",
    }
    if batch_size:
        settings["projector_batch_size"] = batch_size
    conn = await asyncpg.connect(dsn(backlog.database))
    try:
        started = time.monotonic()
        with service_process("projector", service_env(backlog.database, **settings)) as process:
            meter = CpuMeter(roles.with_processes(projector=process.pid))
            first_seen = await _wait_applied(conn, backlog.topic, lambda n: n > 0)
            first = time.monotonic()
            meter.start()
            await _wait_applied(conn, backlog.topic, lambda n: n >= backlog.messages)
            done, cpu = time.monotonic(), meter.stop()
    finally:
        await conn.close()
    # Timed from the first batch, that batch excluded; a backlog drained by the first batch
    # alone (a tiny one) is timed from the start instead.
    events, seconds = backlog.messages - first_seen, done - first
    if not events:
        events, seconds = backlog.messages, done - started
    return {
        "database": backlog.database,
        "events": backlog.events,
        "messages": backlog.messages,
        "per_second": round(events / seconds, 1),
        "seconds": round(seconds, 2),
        "startup_s": round(first - started, 2),
        "wall_per_second": round(backlog.messages / (done - started), 1),
        "cpu_s": cpu,
        "relay": {
            "seconds": round(backlog.relay_s, 2),
            "per_second": round(backlog.events / backlog.relay_s, 1),
            "cpu_s": backlog.relay_cpu,
        },
    }


async def _wait_applied(conn: asyncpg.Connection, topic: str, enough: Callable[[int], bool]) -> int:
    """Polls the checkpoints (every 20 ms: the clock's resolution) until `enough` of them."""
    query = "SELECT coalesce(sum(next_offset), 0) FROM projection_checkpoints WHERE topic = $1"
    while True:
        applied = int(await conn.fetchval(query, topic))
        if enough(applied):
            return applied
        await asyncio.sleep(0.02)


async def run(events: int, batch_size: int | None) -> dict[str, Any]:
    roles = Roles(postmaster=await postmaster_pid(ADMIN_DSN), kafka=pid_with_cmdline(KAFKA_CMDLINE))
    backlog = await make_backlog(events, roles)
    return await drain(backlog, roles, batch_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, help="PROJECTOR_BATCH_SIZE (default: 500)")
    args = parser.parse_args()
    services_up()
    print(json.dumps(asyncio.run(run(args.events, args.batch_size)), indent=2))


if __name__ == "__main__":
    main()
