"""`post-service users-consumer` as a real process, killed with SIGKILL while it deletes a
user's posts and started again: the message was not committed, so it is delivered again, and
every post ends up deleted exactly once (no post left, no second PostDeleted)."""

import asyncio
import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from post_service.bootstrap import make_engine
from post_service.settings import Settings
from tests.conftest import make_settings
from tests.support.commands import Commands
from tests.support.services import KAFKA_BOOTSTRAP, REPO
from tests.support.users_events import create_topic, publish, user_deleted

POSTS = 150
DELETED_BY_CONSUMER = sa.text(
    "SELECT post_id, count(*) AS n FROM events WHERE event_type = 'posts.v1.PostDeleted'"
    " AND caller = 'users-consumer' GROUP BY post_id"
)


class Consumers:
    """Starts `post-service users-consumer` processes; kills whatever is left on `close`."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._started: list[subprocess.Popen[bytes]] = []

    def start(self, settings: Settings) -> subprocess.Popen[bytes]:
        env = {
            "POST_SERVICE_DATABASE_URL": settings.database_url,
            "POST_SERVICE_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "POST_SERVICE_USERS_TOPIC": settings.users_topic,
            "POST_SERVICE_USERS_CONSUMER_GROUP_ID": settings.users_consumer_group_id,
            "POST_SERVICE_LOG_FORMAT": "text",
        }
        log = (self._workdir / f"users-consumer-{len(self._started)}.log").open("wb")
        # cwd outside the repository: a developer's .env must not change what is tested.
        process = subprocess.Popen(
            [str(REPO / ".venv/bin/post-service"), "users-consumer"],
            env={**os.environ, **env},
            cwd=self._workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._started.append(process)
        return process

    def close(self) -> None:
        for process in self._started:
            if process.poll() is None:
                process.kill()
                process.wait(10)


@pytest.fixture
def consumers(tmp_path: Path) -> Iterator[Consumers]:
    started = Consumers(tmp_path)
    yield started
    started.close()


async def test_a_consumer_killed_mid_message_deletes_every_post_exactly_once_after_restart(
    fresh_db, start_service, channel_to, consumers
):
    settings = make_settings(
        fresh_db,
        users_topic=f"users-{uuid.uuid4().hex[:10]}",
        users_consumer_group_id=f"users-consumer-{uuid.uuid4().hex[:10]}",
    )
    await create_topic(KAFKA_BOOTSTRAP, settings.users_topic, 1)
    user = Commands(channel_to(await start_service(settings)))
    posts = {uuid.UUID((await user.create()).post_id) for _ in range(POSTS)}
    engine = make_engine(fresh_db, pool_size=1)
    first = consumers.start(settings)

    async def deleted() -> dict[uuid.UUID, int]:
        async with engine.connect() as conn:
            return {row.post_id: row.n for row in await conn.execute(DELETED_BY_CONSUMER)}

    try:
        await publish(KAFKA_BOOTSTRAP, settings.users_topic, [user_deleted(user.actor)])
        async with asyncio.timeout(30):
            while not await deleted():
                await asyncio.sleep(0.005)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        at_kill = len(await deleted())
        consumers.start(settings)
        # The killed member's partition moves after the broker's session timeout (10 s).
        async with asyncio.timeout(45):
            while len(found := await deleted()) < POSTS:
                await asyncio.sleep(0.1)
    finally:
        await engine.dispose()

    assert at_kill < POSTS, "killed too late to exercise the redelivery"
    assert set(found) == posts
    assert set(found.values()) == {1}
