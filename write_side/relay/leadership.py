"""One active relay per topic: a session-level advisory lock on a connection of its own.

The lock lasts as long as the session. If the leader's process dies (even by SIGKILL) or its
connection breaks, PostgreSQL ends the session and releases the lock, and a standby's next try
takes it. A pooled connection would not do: the pool could hand it, lock and all, to someone
else. The leader stops publishing as soon as the connection is gone: a closed connection is
noticed at once, a silent network loss at the next ping (every RELAY_STANDBY_RETRY_S). The
server side needs TCP keepalives to notice a leader that vanished without closing its socket;
the lock session asks for short ones, so the lock is freed in about half a minute rather than
after the operating system's default of hours. By then the old leader has long stopped.

The same connection LISTENs for appends, so the leader wakes right after each commit; the
relay also polls, so a lost notification (e.g. while reconnecting) only costs a poll interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
from collections.abc import AsyncIterator

import asyncpg

from event_contract.store import NOTIFY_CHANNEL

CONNECT_TIMEOUT_S = 5.0
# Backend-side keepalives for the lock session (seconds; per-session settings, no superuser).
KEEPALIVES = {
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}


def lock_key(name: str) -> int:
    """The advisory lock of the relay for checkpoint `name`: a stable, signed 64-bit hash,
    so relays of different topics don't exclude each other."""
    digest = hashlib.blake2b(f"post-service relay {name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def application_name() -> str:
    # Shown in pg_stat_activity: an operator sees which process holds the lock (leads).
    return f"post-service relay pid={os.getpid()} host={socket.gethostname()}"[:63]


class Lease:
    """Leadership held: `watch` returns when it is lost; appends wake `wait_for_wakeup`."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self._lost = asyncio.Event()
        self._woken = asyncio.Event()

    async def start_listening(self) -> None:
        self._conn.add_termination_listener(lambda _conn: self._lost.set())
        await self._conn.add_listener(NOTIFY_CHANNEL, lambda *_args: self._woken.set())

    def expect_wakeup(self) -> None:
        """Call before reading: an append committed after this wakes the next wait."""
        self._woken.clear()

    async def wait_for_wakeup(self, timeout_s: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._woken.wait()

    async def watch(self, interval_s: float) -> None:
        """Returns when the lock connection is gone, i.e. when this relay no longer leads."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval_s):
                    await self._lost.wait()
                    return
            if not await self._alive(interval_s):
                return

    async def _alive(self, timeout_s: float) -> bool:
        try:
            await self._conn.fetchval("SELECT 1", timeout=timeout_s)
        except Exception:  # noqa: BLE001 - any failure to answer means the session may be gone
            return False
        return True


@contextlib.asynccontextmanager
async def lock_connection(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """A dedicated connection; closing it (on leaving) releases the lock if it was held."""
    settings = {"application_name": application_name(), **KEEPALIVES}
    conn = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT_S, server_settings=settings)
    try:
        yield conn
    finally:
        await _close(conn)


async def wait_for_lock(conn: asyncpg.Connection, key: int, retry_s: float) -> Lease:
    """Stands by until the lock is ours. It polls rather than blocking in pg_advisory_lock: a
    blocked statement would hide a dead connection, a poll proves it alive every retry."""
    try_lock = "SELECT pg_try_advisory_lock($1)"
    while not await conn.fetchval(try_lock, key, timeout=retry_s * 5):  # noqa: ASYNC110
        await asyncio.sleep(retry_s)
    lease = Lease(conn)
    await lease.start_listening()
    return lease


async def _close(conn: asyncpg.Connection) -> None:
    try:
        await conn.close(timeout=CONNECT_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - a broken connection is dropped instead
        conn.terminate()
