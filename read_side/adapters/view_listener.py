"""The LISTEN side of a NOTIFY channel: one dedicated connection, waking waiters.

Two channels use it: VIEW_CHANGED_CHANNEL on the read database (GetPost's min_version waits)
and event_contract.store.NOTIFY_CHANNEL on the write database (StreamEvents' live tail).
A pooled connection would not do: LISTEN belongs to a session, and the pool would hand the
session to other work. The connection is re-made whenever it breaks; after each (re)connect the
waiters are woken once, because changes made while nobody listened were not announced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

import asyncpg

from read_side.adapters.projection import VIEW_CHANGED_CHANNEL
from read_side.adapters.view_changes import ViewChanges

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
# Shown in pg_stat_activity, so that an operator can tell this session from the pool's.
APPLICATION_NAME = "post-service view-change-listener"


class Wakeable(Protocol):
    def fire(self) -> None: ...


class NotifyListener:
    def __init__(
        self,
        dsn: str,
        channel: str,
        waiters: Wakeable,
        *,
        application_name: str,
        retry_s: float = 1.0,
        ping_s: float = 5.0,
    ) -> None:
        self._dsn = dsn  # a plain postgresql:// DSN, for asyncpg itself
        self._channel = channel
        self._waiters = waiters
        self._application_name = application_name
        self._retry_s = retry_s
        self._ping_s = ping_s

    async def run(self) -> None:
        """Listens until cancelled, reconnecting after every failure."""
        while True:
            try:
                await self._listen_once()
            # Whatever broke, listen again; the waiters re-check on their own meanwhile.
            except Exception as exc:  # noqa: BLE001
                log.warning(
                    "%s listener: %r; reconnecting in %.1fs", self._channel, exc, self._retry_s
                )
            await asyncio.sleep(self._retry_s)

    async def _listen_once(self) -> None:
        conn = await asyncpg.connect(
            self._dsn,
            timeout=CONNECT_TIMEOUT_S,
            server_settings={"application_name": self._application_name},
        )
        try:
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(self._channel, lambda *_args: self._waiters.fire())
            self._waiters.fire()  # whatever changed while nobody listened
            await self._until_lost(conn, lost)
        finally:
            await _close(conn)

    async def _until_lost(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        # A closed connection is noticed at once; a silent network loss at the next ping.
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._ping_s):
                    await lost.wait()
                    log.warning("%s listener: connection lost; reconnecting", self._channel)
                    return
            await conn.fetchval("SELECT 1", timeout=self._ping_s)


class ViewChangeListener(NotifyListener):
    """VIEW_CHANGED_CHANNEL on the read database, waking GetPost's min_version waits."""

    def __init__(
        self, dsn: str, changes: ViewChanges, retry_s: float = 1.0, ping_s: float = 5.0
    ) -> None:
        super().__init__(
            dsn,
            VIEW_CHANGED_CHANNEL,
            changes,
            application_name=APPLICATION_NAME,
            retry_s=retry_s,
            ping_s=ping_s,
        )


async def _close(conn: asyncpg.Connection) -> None:
    try:
        await conn.close(timeout=CONNECT_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - a broken connection is dropped instead
        conn.terminate()
