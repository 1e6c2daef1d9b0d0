"""Fixtures for tests on the real PostgreSQL and Kafka started by `make test`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from post_service.bootstrap import Service, make_engine
from post_service.settings import Settings
from tests.support.databases import (
    create_database,
    create_migrated_template,
    drop_database,
    unique_name,
)
from tests.support.services import KAFKA_BOOTSTRAP

TOKEN = "test-token"
CALLER = "test-suite"


@pytest.fixture(scope="session")
async def template_db() -> AsyncIterator[str]:
    name = await create_migrated_template()
    yield name
    await drop_database(name)


@pytest.fixture
async def fresh_db(template_db: str) -> AsyncIterator[str]:
    """The URL of a new, migrated, empty database of this test's own."""
    name = unique_name("t")
    url = await create_database(name, template=template_db)
    yield url
    await drop_database(name)


@pytest.fixture
async def engine(fresh_db: str) -> AsyncIterator[AsyncEngine]:
    """An engine on this test's own database (a file may override it with another pool)."""
    engine = make_engine(fresh_db, pool_size=10)
    yield engine
    await engine.dispose()


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka_bootstrap_servers": KAFKA_BOOTSTRAP,
        "grpc_address": "127.0.0.1:0",
        "auth_tokens": f"{CALLER}:{TOKEN}",
        "page_token_secret": "test-page-token-secret",
        "health_check_interval_s": 0.2,
        "shutdown_grace_s": 2,
        "log_format": "text",
    }
    values.update(overrides)
    return Settings(**values)


ServiceFactory = Callable[..., Awaitable[Service]]


@pytest.fixture
async def start_service() -> AsyncIterator[ServiceFactory]:
    """Starts a Service on port 0 with the given parts; stops all of them after the test."""
    started: list[Service] = []

    async def start(settings: Settings, parts: frozenset[str] = frozenset({"serve"})) -> Service:
        service = Service(settings, parts)
        await service.start()
        started.append(service)
        return service

    yield start
    for service in reversed(started):
        await service.stop()


@pytest.fixture
async def channel_to() -> AsyncIterator[Callable[[Service], grpc.aio.Channel]]:
    channels: list[grpc.aio.Channel] = []

    def open_channel(service: Service) -> grpc.aio.Channel:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{service.port}")
        channels.append(channel)
        return channel

    yield open_channel
    for channel in channels:
        await channel.close()


def auth(actor_id: object | None = None, roles: str = "") -> list[tuple[str, str]]:
    metadata = [("authorization", f"Bearer {TOKEN}")]
    if actor_id is not None:
        metadata.append(("x-actor-id", str(actor_id)))
    if roles:
        metadata.append(("x-actor-roles", roles))
    return metadata
