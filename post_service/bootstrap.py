"""The composition root: every engine, producer, consumer and server is built here, at
start-up, with its shutdown beside it. Nothing connects at import time.

`Service` runs any subset of the processes of DESIGN.md's command line in one event loop:
`serve` is the gRPC server, `run` is everything; tests start the same object on port 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import grpc
import orjson
from posts.v1 import command_service_pb2_grpc, event_service_pb2_grpc, query_service_pb2_grpc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from post_service.grpc_edge.health import HealthBoard, watch_database
from post_service.grpc_edge.server import ServiceBinding, TlsFiles, bind, build_server
from post_service.settings import Settings
from write_side.adapters.event_store import PostgresEventStore
from write_side.application.handler import CommandHandler
from write_side.domain import Limits
from write_side.entrypoints.command_servicer import CommandServicer

log = logging.getLogger(__name__)


def make_engine(url: str, pool_size: int = 20) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=5,
        # A connection that died with a database restart is replaced instead of failing a call.
        pool_pre_ping=True,
        connect_args={"timeout": 5, "command_timeout": 30},
        # orjson for JSONB: it knows UUIDs, datetimes and enums, and is fast.
        json_serializer=lambda value: orjson.dumps(value).decode(),
        json_deserializer=orjson.loads,
    )


@dataclass
class Service:
    settings: Settings
    parts: frozenset[str]
    board: HealthBoard = field(default_factory=HealthBoard)
    port: int | None = None
    _engine: AsyncEngine | None = None
    _server: grpc.aio.Server | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("service not started")
        return self._engine

    async def start(self) -> None:
        self._engine = make_engine(self.settings.database_url)
        if "serve" in self.parts:
            await self._start_server()
        log.info("started: %s", ", ".join(sorted(self.parts)))

    async def _start_server(self) -> None:
        if not self.settings.auth_tokens:
            raise SystemExit("POST_SERVICE_AUTH_TOKENS is empty: no caller could authenticate")
        self._server = build_server(self._bindings(), self.board, self.settings.auth_tokens)
        self.port = bind(self._server, self.settings.grpc_address, self._tls())
        # Not SERVING until the first ping says the database answers.
        await self.board.report_database(serving=False)
        await self._server.start()
        self._spawn(
            "database-health",
            watch_database(self.engine, self.board, self.settings.health_check_interval_s),
        )
        log.info("gRPC listening on %s (port %d)", self.settings.grpc_address, self.port)

    def _bindings(self) -> list[ServiceBinding]:
        return [
            ServiceBinding(
                "posts.v1.PostCommandService",
                CommandServicer(self._command_handler()),
                command_service_pb2_grpc.add_PostCommandServiceServicer_to_server,
            ),
            ServiceBinding(
                "posts.v1.PostQueryService",
                query_service_pb2_grpc.PostQueryServiceServicer(),  # type: ignore[abstract]  # UNIMPLEMENTED until built
                query_service_pb2_grpc.add_PostQueryServiceServicer_to_server,
            ),
            ServiceBinding(
                "posts.v1.PostEventService",
                event_service_pb2_grpc.PostEventServiceServicer(),  # type: ignore[abstract]  # UNIMPLEMENTED until built
                event_service_pb2_grpc.add_PostEventServiceServicer_to_server,
            ),
        ]

    def _command_handler(self) -> CommandHandler:
        s = self.settings
        limits = Limits(
            title_max_length=s.title_max_length,
            body_max_length=s.body_max_length,
            max_tags=s.tags_max_count,
            tag_max_length=s.tag_max_length,
        )
        store = PostgresEventStore(self.engine, s.snapshot_every)
        return CommandHandler(store, limits, s.idempotency_retention, s.command_conflict_retries)

    def _tls(self) -> TlsFiles | None:
        s = self.settings
        if s.tls_cert_file is None or s.tls_key_file is None:
            return None
        return TlsFiles(s.tls_cert_file, s.tls_key_file, s.tls_client_ca_file)

    def _spawn(self, name: str, coro: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.create_task(coro, name=name))

    async def wait(self) -> None:
        """Returns when a background part stops by itself (a bug or a fatal error)."""
        if not self._tasks:
            await asyncio.Event().wait()
        done, _ = await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                raise RuntimeError(f"{task.get_name()} failed") from task.exception()
        raise RuntimeError(f"{', '.join(t.get_name() for t in done)} stopped unexpectedly")

    async def stop(self) -> None:
        """Graceful: health goes NOT_SERVING, in-flight calls get the grace period to finish."""
        await self.board.shut_down()
        if self._server is not None:
            await self._server.stop(self.settings.shutdown_grace_s)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._engine is not None:
            await self._engine.dispose()
        log.info("stopped")
