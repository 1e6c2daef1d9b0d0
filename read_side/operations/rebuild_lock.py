"""At most one rebuild at a time: a session-level advisory lock in the read database.

Two rebuilds would fill the same shadow tables and each swap them in. The lock is tried, not
waited for, so a second rebuild refuses at once and says who holds it; it is held by one
connection for the whole rebuild and released with it (or when that connection dies, so a
killed rebuild never leaves it behind).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# "rebuild!" in ASCII: a constant key, distinct from the projection lock's.
REBUILD_LOCK_KEY = 0x7265_6275_696C_6421
APPLICATION_NAME = "post-service projections rebuild"

# Who holds it: a bigint advisory key shows in pg_locks as classid (high half), objid (low).
_HOLDER = """
    SELECT a.pid, a.application_name, a.client_addr, a.backend_start
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.classid = :high AND l.objid = :low
"""


class RebuildRunningError(RuntimeError):
    pass


@contextlib.asynccontextmanager
async def only_rebuild(engine: AsyncEngine) -> AsyncIterator[None]:
    async with engine.connect() as conn:
        await conn.execute(
            sa.text("SELECT set_config('application_name', :name, false)"),
            {"name": APPLICATION_NAME},
        )
        acquired = await conn.scalar(sa.select(sa.func.pg_try_advisory_lock(REBUILD_LOCK_KEY)))
        await conn.commit()
        if not acquired:
            raise RebuildRunningError(await _holder(conn))
        try:
            yield
        finally:
            await _release(conn)


async def _release(conn: AsyncConnection) -> None:
    try:
        await conn.execute(sa.select(sa.func.pg_advisory_unlock(REBUILD_LOCK_KEY)))
        await conn.commit()
    except Exception:
        # A session lock outlives rollbacks: never return this connection to the pool.
        await conn.invalidate()
        raise


async def _holder(conn: AsyncConnection) -> str:
    params = {"high": REBUILD_LOCK_KEY >> 32, "low": REBUILD_LOCK_KEY & 0xFFFF_FFFF}
    row = (await conn.execute(sa.text(_HOLDER), params)).first()
    if row is None:
        return "another rebuild is running (it has just finished or is starting)"
    return (
        f"another rebuild is running: PostgreSQL backend pid {row.pid}"
        f" ({row.application_name or 'unnamed'}, from {row.client_addr or 'local socket'},"
        f" connected at {row.backend_start:%Y-%m-%d %H:%M:%S %Z})"
    )
