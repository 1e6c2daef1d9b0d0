"""Helpers for the `post-service projections …` tests: realistic histories bulk-loaded into the
store (the benchmark's generator), the CLI as a real process, and the read tables' contents and
schema as comparable values."""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.generate_events import asyncpg_dsn, load
from bench.histories import Histories
from post_service.settings import Settings
from tests.support.services import REPO

READ_TABLES = ("post_view", "author_stats", "tag_stats")


async def load_histories(database_url: str, events: int, seed: int = 7) -> None:
    """`events` events of realistic, interleaved histories (every event type, PostRestored in
    both schema versions), few authors and tags so that posts share counter rows."""
    histories = Histories(seed, authors=40, tags=25)
    await load(asyncpg_dsn(database_url), histories.rows(events), batch=5_000, quiet=True)


async def table_contents(engine: AsyncEngine) -> dict[str, str]:
    """A digest of every row and column of each read table (tags counted 0 left out: a fold
    from scratch never has them)."""
    queries = {
        "post_view": "SELECT t::text FROM post_view t ORDER BY post_id",
        "author_stats": "SELECT t::text FROM author_stats t ORDER BY author_id",
        "tag_stats": "SELECT t::text FROM tag_stats t WHERE post_count <> 0 ORDER BY tag",
    }
    digests = {}
    async with engine.connect() as conn:
        for table, query in queries.items():
            digest = f"SELECT count(*) || ':' || md5(coalesce(string_agg(r, '|'), '')) FROM ({query}) AS x(r)"  # noqa: E501, S608
            digests[table] = str(await conn.scalar(sa.text(digest)))
    return digests


async def schema_of(engine: AsyncEngine) -> set[tuple[str, str, str]]:
    """(table, index or constraint name, definition) of every read table."""
    query = """
        SELECT c.relname, i.relname, pg_get_indexdef(i.oid) FROM pg_index x
        JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
        WHERE c.relname = ANY(:tables)
        UNION ALL
        SELECT c.relname, o.conname, pg_get_constraintdef(o.oid) FROM pg_constraint o
        JOIN pg_class c ON c.oid = o.conrelid WHERE c.relname = ANY(:tables)
    """
    async with engine.connect() as conn:
        rows = await conn.execute(sa.text(query), {"tables": list(READ_TABLES)})
        return {(r[0], r[1], r[2]) for r in rows}


async def leftover_copies(engine: AsyncEngine) -> list[str]:
    """Shadow or scratch tables still in the read database."""
    query = "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '_(rebuild|verify_)'"
    async with engine.connect() as conn:
        return sorted(await conn.scalars(sa.text(query)))


def cli_environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "POST_SERVICE_DATABASE_URL": settings.database_url,
        "POST_SERVICE_READ_DATABASE_URL": settings.read_database_url,
        "POST_SERVICE_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "POST_SERVICE_EVENTS_TOPIC": settings.events_topic,
        "POST_SERVICE_LOG_FORMAT": "text",
        "POST_SERVICE_LOG_LEVEL": "INFO",
        "POST_SERVICE_HOLD_AT": settings.hold_at,
    }


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str


class Cli:
    """`post-service projections …` as real processes (exit codes and signals are the point),
    run from a directory outside the repository so that no developer's .env applies."""

    def __init__(self, settings: Settings, workdir: Path) -> None:
        self._env = cli_environment(settings)
        self._workdir = workdir

    async def run(self, *args: str, timeout_s: float = 90) -> CliRun:
        process = await self.start(*args)
        async with asyncio.timeout(timeout_s):
            out, err = await process.communicate()
        return CliRun(process.returncode or 0, out.decode(), err.decode())

    async def start(self, *args: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            str(REPO / ".venv/bin/post-service"),
            "projections",
            *args,
            env=self._env,
            cwd=self._workdir,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )


async def wait_for_line(
    process: asyncio.subprocess.Process, pattern: str, timeout_s: float = 60
) -> list[str]:
    """Reads stderr until a line matches; returns the lines read."""
    assert process.stderr is not None
    lines: list[str] = []
    async with asyncio.timeout(timeout_s):
        while line := (await process.stderr.readline()).decode():
            lines.append(line)
            if re.search(pattern, line):
                return lines
    raise AssertionError(f"no line matching {pattern!r}; got:\n{''.join(lines)}")
