"""Bulk-loads N realistic post histories straight into `events` with COPY (not through gRPC).

    .venv/bin/python bench/generate_events.py --events 1000000            # a fresh bench database
    .venv/bin/python bench/generate_events.py --events 50000 --database URL

The histories come from bench/histories.py. Durability stays on (fsync, synchronous commit):
this is an ordinary client of an ordinary PostgreSQL.

Positions: the column default `next_event_position()` would draw them one row at a time, so
each batch draws its own from `events_position_seq` in bulk instead, and keeps the rule that
commit-safe reading rests on (README, "Reading by position never skips a late commit"): the
transaction takes its xid (pg_current_xact_id) BEFORE it draws a position, so any reader that
cannot see these rows yet finds this transaction in its snapshot's in-progress list.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Iterable, Iterator
from itertools import islice

import asyncpg

from bench.harness import db_url as bench_url
from bench.harness import fresh_database, services_up
from bench.histories import Histories, Row

COLUMNS = (
    "position",
    "event_id",
    "post_id",
    "version",
    "event_type",
    "schema_version",
    "data",
    "actor_id",
    "caller",
    "request_id",
    "occurred_at",
)


async def load(dsn: str, rows: Iterable[Row], batch: int = 50_000, *, quiet: bool = False) -> int:
    """Appends `rows` in transactions of `batch` events; returns how many were loaded."""
    conn = await asyncpg.connect(dsn)
    loaded, started = 0, time.monotonic()
    try:
        for chunk in _chunks(iter(rows), batch):
            async with conn.transaction():
                await conn.execute("SELECT pg_current_xact_id()")  # xid first, then positions
                positions = await conn.fetch(
                    "SELECT nextval('events_position_seq') AS p FROM generate_series(1, $1)",
                    len(chunk),
                )
                drawn = sorted(r["p"] for r in positions)
                records = [(p, *row) for p, row in zip(drawn, chunk, strict=True)]
                await conn.copy_records_to_table("events", records=records, columns=COLUMNS)
            loaded += len(chunk)
            if not quiet:
                rate = loaded / (time.monotonic() - started)
                print(f"loaded {loaded:,} events ({rate:,.0f}/s)", flush=True)
    finally:
        await conn.close()
    return loaded


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def generate(events: int, database_url: str | None, seed: int) -> str:
    """Loads `events` events into `database_url` (default: a fresh bench database); returns
    the database URL."""
    url = database_url or bench_url(await fresh_database())
    await load(asyncpg_dsn(url), Histories(seed).rows(events))
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--database", help="SQLAlchemy URL of a migrated database (default: a fresh bench one)"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.database is None:
        services_up()
    url = asyncio.run(generate(args.events, args.database, args.seed))
    print(f"database: {url}")


if __name__ == "__main__":
    main()
