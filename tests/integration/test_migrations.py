"""Migrations apply to the real PostgreSQL, match the code's tables, and downgrade cleanly."""

import asyncio
import os
import subprocess

import asyncpg

from post_service.cli import migrate
from post_service.settings import Settings
from tests.support.databases import create_database, drop_database, unique_name
from tests.support.services import REPO, asyncpg_dsn


async def _tables(name: str) -> set[str]:
    conn = await asyncpg.connect(asyncpg_dsn(name))
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return {r["tablename"] for r in rows}


def _alembic(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POST_SERVICE_DATABASE_URL": url}
    return subprocess.run(
        [str(REPO / ".venv/bin/alembic"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_migrations_upgrade_to_a_schema_that_alembic_check_accepts_and_downgrade_to_nothing():
    name = unique_name("mig")
    url = await create_database(name)
    try:
        await asyncio.to_thread(migrate, Settings(), url)
        assert {"events", "idempotency_records", "posts_by_author", "snapshots"} <= await _tables(
            name
        )
        check = await asyncio.to_thread(_alembic, url, "check")
        assert check.returncode == 0, check.stdout + check.stderr

        down = await asyncio.to_thread(_alembic, url, "downgrade", "base")
        assert down.returncode == 0, down.stderr
        assert await _tables(name) == {"alembic_version"}

        await asyncio.to_thread(migrate, Settings(), url)
        assert "events" in await _tables(name)
    finally:
        await drop_database(name)
