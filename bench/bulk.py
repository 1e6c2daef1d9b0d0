"""The bulk measurements, each in a process of its own so that its CPU is its own:

    .venv/bin/python -m bench.bulk copy --database D --rows 50000        # ceiling (d)
    .venv/bin/python -m bench.bulk consume --topic T --messages N       # ceiling (e)
    .venv/bin/python -m bench.bulk rebuild --database D                  # scenario 6

(d) and the rebuild are bench/rebuild_throughput.py's: asyncpg `copy_records_to_table` of
post_view-shaped rows (search vector included, a primary key, as a rebuild's shadow table has
while it is filled; only the COPY calls are timed, the CPU includes making the rows), and
`post-service projections rebuild`'s own code from start to swap.
(e) is a raw aiokafka consumer (no group, no work) reading the topic from its beginning,
timed from its first record. Each prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.backlog import PARTITIONS
from bench.cpu import CpuMeter, Roles
from bench.harness import KAFKA, db_url, dsn
from bench.rebuild_throughput import copy_ceiling, rebuild
from read_side.operations.rebuild import RebuildOptions


async def copy(database: str, rows: int, meter: CpuMeter) -> dict[str, Any]:
    meter.start()
    result = await copy_ceiling(dsn(database), rows)
    return {**result, "per_second": result["rows_per_second"], "cpu_s": meter.stop()}


async def consume(topic: str, messages: int, meter: CpuMeter) -> dict[str, Any]:
    consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        count, started = 0, 0.0
        while count < messages:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            if not started and batches:
                started = time.monotonic()
                meter.start()
            count += sum(len(b) for b in batches.values())
        seconds, cpu = time.monotonic() - started, meter.stop()
    finally:
        await consumer.stop()
    return {
        "messages": count,
        "seconds": round(seconds, 2),
        "per_second": round(count / seconds, 1),
        "cpu_s": cpu,
    }


async def replay(database: str, meter: CpuMeter) -> dict[str, Any]:
    meter.start()
    # The CLI's default chunk: what `post-service projections rebuild` does unless told.
    report = await rebuild(db_url(database), RebuildOptions().chunk_events)
    return {
        "events": report.events,
        "seconds": round(report.seconds, 2),
        "per_second": round(report.events_per_second, 1),
        "first_pass_s": round(report.replay_seconds, 2),
        "index_s": round(report.index_seconds, 2),
        "cpu_s": meter.stop(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["copy", "consume", "rebuild"])
    parser.add_argument("--database")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--topic")
    parser.add_argument("--messages", type=int, default=0)
    parser.add_argument("--postmaster-pid", type=int)
    parser.add_argument("--kafka-pid", type=int)
    args = parser.parse_args()
    meter = CpuMeter(Roles.from_args([], args.postmaster_pid, args.kafka_pid))
    if args.kind == "copy":
        result = asyncio.run(copy(args.database, args.rows, meter))
    elif args.kind == "consume":
        result = asyncio.run(consume(args.topic, args.messages, meter))
    else:
        result = asyncio.run(replay(args.database, meter))
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
