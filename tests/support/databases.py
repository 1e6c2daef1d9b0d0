"""Per-test databases cloned from a migrated template (`CREATE DATABASE … TEMPLATE …`).

Events are committed and can't be deleted, so tests don't roll back: a test that needs an
empty store gets a database of its own; the rest use fresh ids in a shared one.
"""

from __future__ import annotations

import uuid

import asyncpg

from post_service.cli import migrate
from post_service.settings import Settings
from tests.support.services import PG_PORT, asyncpg_dsn, database_url


async def _admin(port: int) -> asyncpg.Connection:
    return await asyncpg.connect(asyncpg_dsn("postgres", port))


async def create_database(name: str, template: str | None = None, port: int = PG_PORT) -> str:
    conn = await _admin(port)
    try:
        suffix = f" TEMPLATE {template}" if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    finally:
        await conn.close()
    return database_url(name, port)


async def drop_database(name: str, port: int = PG_PORT) -> None:
    conn = await _admin(port)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def create_migrated_template(port: int = PG_PORT) -> str:
    name = f"tpl_{uuid.uuid4().hex[:10]}"
    url = await create_database(name, port=port)
    # Alembic's env.py runs its own event loop: run it in a thread.
    import asyncio  # noqa: PLC0415

    await asyncio.to_thread(migrate, Settings(), url)
    return name


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
