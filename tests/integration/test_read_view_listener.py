"""The view change listener on the real PostgreSQL: each NOTIFY of the projector's channel
wakes the waiters, and after its session is killed it reconnects and wakes them again."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from read_side.adapters.projection import VIEW_CHANGED_CHANNEL
from read_side.adapters.view_changes import ViewChanges
from read_side.adapters.view_listener import APPLICATION_NAME, ViewChangeListener
from tests.support.databases import create_database, drop_database, unique_name
from tests.support.services import asyncpg_dsn


class RecordingChanges(ViewChanges):
    """ViewChanges that also queue each fire, so the test can wait for one."""

    def __init__(self) -> None:
        super().__init__(recheck_s=60)
        self.fires: asyncio.Queue[None] = asyncio.Queue()

    def fire(self) -> None:
        super().fire()
        self.fires.put_nowait(None)

    async def next_fire(self) -> None:
        await asyncio.wait_for(self.fires.get(), timeout=10)


@pytest.fixture
async def database() -> AsyncIterator[str]:
    name = unique_name("listen")
    await create_database(name)
    yield asyncpg_dsn(name)
    await drop_database(name)


async def test_notifications_wake_waiters_also_after_the_session_was_killed(database):
    changes = RecordingChanges()
    listening = asyncio.create_task(ViewChangeListener(database, changes, retry_s=0.05).run())
    other = await asyncpg.connect(database)
    try:
        await changes.next_fire()  # connected: waiters re-check once

        await other.execute(f"NOTIFY {VIEW_CHANGED_CHANNEL}")
        await changes.next_fire()

        killed = await other.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = $1 AND datname = current_database()",
            APPLICATION_NAME,
        )
        assert killed == 1
        await changes.next_fire()  # reconnected: changes meanwhile were not announced

        await other.execute(f"NOTIFY {VIEW_CHANGED_CHANNEL}")
        await changes.next_fire()
    finally:
        listening.cancel()
        await other.close()
        with pytest.raises(asyncio.CancelledError):
            await listening
