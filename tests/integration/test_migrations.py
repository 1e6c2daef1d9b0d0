"""Migrations apply to the real PostgreSQL, match the code's tables, and downgrade cleanly,
with the read side in the write database or in a database of its own."""

import asyncio
import os
import subprocess

import asyncpg

from post_service.cli import migrate
from post_service.settings import Settings
from tests.support.databases import create_database, drop_database, unique_name
from tests.support.services import REPO, asyncpg_dsn

WRITE_TABLES = {
    "events",
    "idempotency_records",
    "posts_by_author",
    "snapshots",
    "relay_checkpoints",
}
READ_TABLES = {"post_view", "author_stats", "tag_stats", "projection_checkpoints"}


async def _tables(name: str) -> set[str]:
    conn = await asyncpg.connect(asyncpg_dsn(name))
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return {r["tablename"] for r in rows}


def _alembic(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POST_SERVICE_DATABASE_URL": url, "POST_SERVICE_READ_DATABASE_URL": url}
    return subprocess.run(
        [str(REPO / ".venv/bin/alembic"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _assert_alembic(url: str, *args: str) -> None:
    result = await asyncio.to_thread(_alembic, url, *args)
    assert result.returncode == 0, result.stdout + result.stderr


async def test_both_sides_migrate_into_one_database_that_alembic_check_accepts_and_downgrade():
    name = unique_name("mig")
    url = await create_database(name)
    try:
        await asyncio.to_thread(migrate, Settings(), url)
        assert await _tables(name) >= WRITE_TABLES | READ_TABLES
        await _assert_alembic(url, "check")
        await _assert_alembic(url, "-n", "read", "check")

        await _assert_alembic(url, "downgrade", "base")
        await _assert_alembic(url, "-n", "read", "downgrade", "base")
        assert await _tables(name) == {"alembic_version", "alembic_version_read"}

        await asyncio.to_thread(migrate, Settings(), url)
        assert await _tables(name) >= WRITE_TABLES | READ_TABLES
    finally:
        await drop_database(name)


async def test_the_read_side_migrates_into_a_database_of_its_own():
    write_name, read_name = unique_name("w"), unique_name("r")
    write_url, read_url = await create_database(write_name), await create_database(read_name)
    try:
        await asyncio.to_thread(migrate, Settings(), write_url, read_url)
        write_tables, read_tables = await _tables(write_name), await _tables(read_name)
        assert write_tables >= WRITE_TABLES
        assert not READ_TABLES & write_tables
        assert read_tables >= READ_TABLES
        assert not WRITE_TABLES & read_tables
    finally:
        await drop_database(write_name)
        await drop_database(read_name)
