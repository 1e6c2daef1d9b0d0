"""The rebuild's events/s on 1,000,000 events, next to the COPY ceiling of the same PostgreSQL.

    .venv/bin/python bench/rebuild_throughput.py                      # generate, then measure
    .venv/bin/python bench/rebuild_throughput.py --database URL       # a store already loaded

1. A fresh bench database (scripts/services.sh up bench) gets N realistic histories, bulk-loaded
   straight into `events` (bench/generate_events.py), unless --database names a loaded one.
2. The COPY ceiling: asyncpg's copy_records_to_table of rows shaped like post_view (the same
   columns and sizes, search vector included, a primary key, as the rebuild's shadow tables
   have while they are filled), as many as the store has posts, in transactions of 50,000
   rows. Only the COPY calls are timed. A rebuild writes every post at least once, so
   rows/s x events per post is the most events/s a rebuild could replay at COPY's speed.
3. The rebuild, as `post-service projections rebuild` runs it (read_side.operations.rebuild),
   into the same database, timed from start to swap, indexes included.
Durability stays on (fsync, synchronous_commit, full_page_writes). Writes
bench/results/rebuild.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import struct
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import asyncpg
import orjson

from bench.generate_events import asyncpg_dsn, generate
from bench.harness import REPO, services_up
from bench.histories import Histories
from post_service.bootstrap import make_engine
from read_side.adapters.event_source import StoreEvents
from read_side.operations.rebuild import Rebuild, RebuildOptions, RebuildReport

COPY_BATCH = 50_000
COPY_COLUMNS = (
    "post_id",
    "author_id",
    "title",
    "body",
    "excerpt",
    "tags",
    "visibility",
    "status",
    "created_at",
    "updated_at",
    "published_at",
    "deleted_at",
    "version",
    "position",
    "search",
)


class PrintedProgress:
    def __init__(self) -> None:
        self._total = self._done = 0
        self._started = time.monotonic()
        self._shown = 0.0

    def grow(self, events: int) -> None:
        self._total += events

    def advance(self, events: int) -> None:
        self._done += events
        now = time.monotonic()
        if now - self._shown >= 10:
            self._shown = now
            rate = self._done / (now - self._started)
            print(f"rebuild: {self._done:,}/{self._total:,} events, {rate:,.0f}/s", flush=True)

    def note(self, message: str) -> None:
        print(f"rebuild: {message}", flush=True)


async def copy_ceiling(dsn: str, rows: int) -> dict[str, float]:
    conn = await asyncpg.connect(dsn)
    # asyncpg has no binary codec for tsvector, and COPY goes in binary.
    await conn.set_type_codec(
        "tsvector", schema="pg_catalog", encoder=bytes, decoder=bytes, format="binary"
    )
    try:
        await conn.execute(
            "DROP TABLE IF EXISTS copy_ceiling;"
            " CREATE TABLE copy_ceiling (LIKE post_view INCLUDING DEFAULTS INCLUDING CONSTRAINTS);"
            " ALTER TABLE copy_ceiling ADD PRIMARY KEY (post_id)"
        )
        seconds, size = 0.0, 0
        for batch in _view_rows(rows):
            size += sum(len(r[2]) + len(r[3]) + len(r[4]) for r in batch)
            started = time.monotonic()
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "copy_ceiling", records=batch, columns=COPY_COLUMNS
                )
            seconds += time.monotonic() - started
        await conn.execute("DROP TABLE copy_ceiling")
    finally:
        await conn.close()
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "text_mb_per_second": round(size / seconds / 1e6, 1),
    }


def _view_rows(count: int) -> Iterator[list[tuple[Any, ...]]]:
    """post_view rows made of the generator's posts: the same titles, bodies and tags."""
    views = (_view(position, row) for position, row in enumerate(Histories(99).created(count), 1))
    while batch := list(islice(views, min(COPY_BATCH, count))):
        count -= len(batch)
        yield batch
        if count <= 0:
            return


def _view(position: int, row: tuple[Any, ...]) -> tuple[Any, ...]:
    data = orjson.loads(row[5])
    title, body, tags = data["title"], data["body"], data["tags"]
    at = row[9]
    return (
        row[1], row[6], title, body, body[:200], tags, data["visibility"], "DRAFT",
        at, at, None, None, 1, position, _tsvector(f"{title} {body} {' '.join(tags)}"),
    )  # fmt: skip


def _tsvector(text: str) -> bytes:
    """What to_tsvector('simple', text) holds (each lower-cased word with its positions), in
    tsvector's binary input format (tsvector_recv): the count, then per lexeme its text, NUL,
    the number of positions and the positions (uint16)."""
    lexemes: dict[str, list[int]] = {}
    for position, word in enumerate(text.lower().replace(".", " ").split(), 1):
        positions = lexemes.setdefault(word, [])
        if len(positions) < 255 and position < 16384:  # tsvector's limits
            positions.append(position)
    parts = [struct.pack("!i", len(lexemes))]
    for lexeme, positions in lexemes.items():
        parts.append(lexeme.encode() + b"\0")
        parts.append(struct.pack(f"!H{len(positions)}H", len(positions), *positions))
    return b"".join(parts)


async def rebuild(url: str, chunk_events: int) -> RebuildReport:
    engine = make_engine(url, pool_size=4, command_timeout_s=None)
    try:
        options = RebuildOptions(chunk_events=chunk_events)
        return await Rebuild(StoreEvents(engine), engine, options, PrintedProgress()).run()
    finally:
        await engine.dispose()


async def store_facts(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        facts = await conn.fetchrow(
            "SELECT count(*) AS events, count(DISTINCT post_id) AS posts,"
            " pg_size_pretty(pg_total_relation_size('events')) AS size FROM events"
        )
        settings = await conn.fetch(
            "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit',"
            " 'full_page_writes', 'shared_buffers', 'maintenance_work_mem', 'server_version')"
        )
    finally:
        await conn.close()
    return {**dict(facts), "postgresql": {s["name"]: s["setting"] for s in settings}}


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    url = args.database or await generate(args.events, None, args.seed)
    facts = await store_facts(url)
    print(f"store: {facts}", flush=True)
    # Before and after the rebuild: on a shared machine the two show how much the load of
    # others moved while it ran.
    before = await _ceiling(url, facts)
    load, cpu = os.getloadavg(), time.process_time()
    report = await rebuild(url, args.chunk_events)
    cpu = time.process_time() - cpu
    after = await _ceiling(url, facts)
    best = max(before, after, key=lambda c: c["rows_per_second"])
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_before_rebuild": [round(x, 2) for x in load],
        "store": facts,
        "copy_ceiling_before": before,
        "copy_ceiling_after": after,
        "rebuild": {
            "events": report.events,
            "seconds": round(report.seconds, 2),
            "events_per_second": round(report.events_per_second),
            "first_pass_seconds": round(report.replay_seconds, 2),
            "index_seconds": round(report.index_seconds, 2),
            "projectors_paused_ms": round(report.pause_seconds * 1000),
            "longest_transaction_seconds": round(report.longest_transaction_s, 2),
            "chunk_events": args.chunk_events,
            "python_cpu_seconds": round(cpu, 1),
        },
        "rebuild_share_of_copy_ceiling": round(
            report.events_per_second / best["events_per_second_if_each_post_written_once"], 3
        ),
    }


async def _ceiling(url: str, facts: dict[str, Any]) -> dict[str, Any]:
    # As many rows as the store has posts: what a rebuild writes at the very least.
    ceiling: dict[str, Any] = await copy_ceiling(asyncpg_dsn(url), facts["posts"])
    ceiling["events_per_second_if_each_post_written_once"] = round(
        ceiling["rows_per_second"] * facts["events"] / facts["posts"]
    )
    print(f"COPY ceiling: {ceiling}", flush=True)
    return ceiling


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database", help="a migrated database already holding the events")
    parser.add_argument("--chunk-events", type=int, default=RebuildOptions().chunk_events)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    services_up()
    summary = asyncio.run(measure(args))
    text = json.dumps(summary, indent=2, default=str)
    print(text)
    (REPO / "bench/results/rebuild.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
