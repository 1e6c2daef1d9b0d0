"""A running command server of a module's own, and readers for what its commands stored.

Starting a server per test costs a database and a port each; the command e2e modules share one
per module instead, and stay independent through fresh post ids and fresh actors. Tests in a
module run one after another, so "appends nothing" may compare the whole store's row count.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from post_service.bootstrap import Service
from tests.conftest import make_settings
from tests.support.commands import Commands
from tests.support.databases import create_database, drop_database, unique_name
from tests.support.services import asyncpg_dsn

ERROR_DOMAIN = "posts.v1"
_UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")


@dataclass(frozen=True)
class StoredEvent:
    position: int
    post_id: uuid.UUID
    version: int
    event_type: str
    data: dict[str, Any]
    actor_id: uuid.UUID
    caller: str
    request_id: uuid.UUID | None


@dataclass
class Running:
    """One started server, a channel to it, and a direct connection to its database."""

    service: Service
    channel: grpc.aio.Channel
    database: asyncpg.Connection

    def as_user(self, actor: uuid.UUID | None = None, roles: str = "") -> Commands:
        return Commands(self.channel, actor, roles)

    async def events_of(self, post_id: str | uuid.UUID) -> list[StoredEvent]:
        rows = await self.database.fetch(
            "SELECT position, post_id, version, event_type, data::text AS data, actor_id, "
            "caller, request_id FROM events WHERE post_id = $1 ORDER BY version",
            uuid.UUID(str(post_id)),
        )
        return [StoredEvent(**{**dict(row), "data": json.loads(row["data"])}) for row in rows]

    async def event_count(self) -> int:
        count: int = await self.database.fetchval("SELECT count(*) FROM events")
        return count


@asynccontextmanager
async def running_service(template_db: str, **overrides: Any) -> AsyncIterator[Running]:
    """A server on port 0 over a new migrated database, torn down (database too) afterwards."""
    name = unique_name("cmd")
    url = await create_database(name, template=template_db)
    service = Service(make_settings(url, **overrides), frozenset({"serve"}))
    try:
        await service.start()
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{service.port}")
        database = await asyncpg.connect(asyncpg_dsn(name))
        try:
            yield Running(service, channel, database)
        finally:
            await database.close()
            await channel.close()
    finally:
        await service.stop()
        await drop_database(name)


@dataclass(frozen=True)
class Failure:
    """An RPC error as the wire carried it: code, its one ErrorInfo, its field violations."""

    code: grpc.StatusCode
    reason: str
    metadata: dict[str, str]
    violations: dict[str, str]  # field path -> description


def failure_of(error: grpc.aio.AioRpcError) -> Failure:
    """Reads the AIP-193 details and checks what every error must carry: one ErrorInfo."""
    status = rpc_status.from_call(error)
    assert status is not None, f"{error.code()} without google.rpc.Status details"
    infos = [d for d in status.details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    assert len(infos) == 1, f"{error.code()} carries {len(infos)} ErrorInfo details"
    info = error_details_pb2.ErrorInfo()
    infos[0].Unpack(info)
    assert info.domain == ERROR_DOMAIN
    assert _UPPER_SNAKE.match(info.reason), info.reason
    violations: dict[str, str] = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.update((v.field, v.description) for v in bad_request.field_violations)
    return Failure(error.code(), info.reason, dict(info.metadata), violations)


async def refused(call: Awaitable[object]) -> Failure:
    """Awaits a call that must fail and returns how it failed."""
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return failure_of(error.value)
