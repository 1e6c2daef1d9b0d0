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

from edges.grpc.health import HealthBoard, watch_database
from edges.grpc.server import ServiceBinding, TlsFiles, bind, build_server
from event_contract.store import NOTIFY_CHANNEL
from post_service.settings import Settings
from projector import Projector, ProjectorConfig
from read_side.adapters.commit_horizon import CommitHorizon, store_head
from read_side.adapters.event_feed import EventFeed
from read_side.adapters.post_lookup import PostLookup
from read_side.adapters.view_changes import ViewChanges
from read_side.adapters.view_listener import NotifyListener, ViewChangeListener
from read_side.entrypoints.config import QueryConfig
from read_side.entrypoints.event_stream_servicer import EventStreamServicer
from read_side.entrypoints.query_servicer import QueryServicer, build_query_servicer
from write_side.adapters.author_index import PostsByAuthor
from write_side.adapters.event_store import PostgresEventStore
from write_side.adapters.request_purger import purge_expired_requests
from write_side.application.handler import CommandHandler
from write_side.domain import Limits
from write_side.entrypoints.command_servicer import CommandServicer
from write_side.entrypoints.users_consumer import (
    UserPostsDeleter,
    UsersConsumer,
    UsersConsumerConfig,
)
from write_side.relay import Relay, RelayConfig

log = logging.getLogger(__name__)


def make_engine(
    url: str,
    pool_size: int = 20,
    command_timeout_s: float | None = 30,
    *,
    autocommit: bool = False,
) -> AsyncEngine:
    """`command_timeout_s` bounds every statement; None for operations whose statements may
    rightly run long (a rebuild's index builds), which are stopped with Ctrl-C instead.

    `autocommit`: every statement is a transaction of its own, for reads that are one
    statement. Their connections skip BEGIN and ROLLBACK, and the pool's pre-ping is one round
    trip instead of three (SQLAlchemy wraps it in BEGIN/ROLLBACK unless in autocommit)."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=5,
        # A connection that died with a database restart is replaced instead of failing a call.
        pool_pre_ping=True,
        connect_args={"timeout": 5, "command_timeout": command_timeout_s},
        # orjson for JSONB: it knows UUIDs, datetimes and enums, and is fast.
        json_serializer=lambda value: orjson.dumps(value).decode(),
        json_deserializer=orjson.loads,
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    )


@dataclass
class Service:
    settings: Settings
    parts: frozenset[str]
    board: HealthBoard = field(default_factory=HealthBoard)
    port: int | None = None
    _engine: AsyncEngine | None = None
    _read_engine: AsyncEngine | None = None
    # The write database again, in autocommit: commands' loads and the relay's reads.
    _reads: AsyncEngine | None = None
    _server: grpc.aio.Server | None = None
    _commands: CommandHandler | None = None
    _store: PostgresEventStore | None = None
    _horizon: CommitHorizon | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("service not started")
        return self._engine

    @property
    def read_engine(self) -> AsyncEngine:
        """The read model's database: the write database unless READ_DATABASE_URL is set."""
        if self._read_engine is None:
            raise RuntimeError("service not started")
        return self._read_engine

    async def start(self) -> None:
        self._engine = make_engine(self.settings.database_url)
        self._reads = make_engine(self.settings.database_url, pool_size=10, autocommit=True)
        read_url = self.settings.effective_read_database_url
        self._read_engine = (
            self._engine if read_url == self.settings.database_url else make_engine(read_url)
        )
        if "serve" in self.parts:
            await self._start_server()
        if "relay" in self.parts:
            relay_config = RelayConfig.from_settings(self.settings)
            relay = Relay(relay_config, self.engine, self.board, reads=self._reads)
            self._spawn("relay", relay.run())
        if "projector" in self.parts:
            config = ProjectorConfig.from_settings(self.settings)
            projector = Projector(config, self.read_engine, self.engine, self.board)
            self._spawn("projector", projector.run())
        if "users-consumer" in self.parts:
            self._spawn("users-consumer", self._users_consumer().run())
        log.info("started: %s", ", ".join(sorted(self.parts)))

    async def _start_server(self) -> None:
        if not self.settings.auth_tokens:
            raise SystemExit("POST_SERVICE_AUTH_TOKENS is empty: no caller could authenticate")
        if not self.settings.page_token_secret.get_secret_value():
            raise SystemExit("POST_SERVICE_PAGE_TOKEN_SECRET is empty: page tokens can't be signed")
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
                self._query_servicer(),
                query_service_pb2_grpc.add_PostQueryServiceServicer_to_server,
            ),
            ServiceBinding(
                "posts.v1.PostEventService",
                self._event_servicer(),
                event_service_pb2_grpc.add_PostEventServiceServicer_to_server,
            ),
        ]

    def _command_handler(self) -> CommandHandler:
        # One per process, shared by the gRPC commands and the users consumer.
        if self._commands is not None:
            return self._commands
        s = self.settings
        limits = Limits(
            title_max_length=s.title_max_length,
            body_max_length=s.body_max_length,
            max_tags=s.tags_max_count,
            tag_max_length=s.tag_max_length,
        )
        store = PostgresEventStore(
            self.engine, s.snapshot_every, s.idempotency_retention, reads=self._reads
        )
        self._store = store
        self._spawn("request-purger", purge_expired_requests(store))
        self._commands = CommandHandler(store, limits, s.command_conflict_retries)
        return self._commands

    def _users_consumer(self) -> UsersConsumer:
        deleter = UserPostsDeleter(PostsByAuthor(self.engine), self._command_handler())
        config = UsersConsumerConfig.from_settings(self.settings)
        return UsersConsumer(config, deleter, self.engine, self.board)

    def _query_servicer(self) -> QueryServicer:
        config = QueryConfig.from_settings(self.settings)
        changes = ViewChanges(config.min_version_recheck_s)
        # LISTENs for the projector's NOTIFY on a connection of its own, to wake min_version waits.
        read_dsn = self.read_engine.url.set(drivername="postgresql")
        listener = ViewChangeListener(read_dsn.render_as_string(hide_password=False), changes)
        self._spawn("view-change-listener", listener.run())
        # GetPost's coalesced lookups, on a small asyncpg pool that `run` holds open.
        lookup = PostLookup(read_dsn.render_as_string(hide_password=False))
        self._spawn("post-lookup-pool", lookup.run())
        return build_query_servicer(self.read_engine, self.engine, changes, lookup, config)

    def _event_servicer(self) -> EventStreamServicer:
        # One head and one LISTEN connection (write database) for all streams of this server.
        self._horizon = CommitHorizon(store_head(self.engine))
        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        listener = NotifyListener(
            dsn, NOTIFY_CHANNEL, self._horizon, application_name="post-service event-streams"
        )
        self._spawn("event-append-listener", listener.run())
        return EventStreamServicer(EventFeed(self.engine, self._horizon))

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
        if self._horizon is not None:
            # Streams never end by themselves: end them now (UNAVAILABLE, resumable) rather
            # than hold the shutdown for the whole grace period.
            self._horizon.close()
        if self._server is not None:
            await self._server.stop(self.settings.shutdown_grace_s)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._store is not None:
            # Batched appends run in tasks of their own: let them finish before the engine goes.
            await self._store.drain()
        if self._read_engine is not None and self._read_engine is not self._engine:
            await self._read_engine.dispose()
        if self._reads is not None:
            await self._reads.dispose()
        if self._engine is not None:
            await self._engine.dispose()
        log.info("stopped")
