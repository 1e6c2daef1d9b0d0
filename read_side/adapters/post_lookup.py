"""Single posts by id, for GetPost and the re-checks of its min_version waits: the ids that
concurrent calls ask for are read together, with one statement.

Under load, calls queue in a Coalescer (edges.coalescer) and the next batch reads all
their posts at once, with `post_id = ANY($1)`: one statement text whatever the batch size, so
each connection prepares it once. All min_version waiters re-check when the projector
NOTIFYs, so the wake-up of many waiters is a few statements rather than a herd of them.

A batch reads rows, not answers: it knows only post ids, never who asked. Each caller applies
its own visibility to the row it gets, with `can_read` (the Python side of the rule whose SQL
side, `readable_by_id`, BatchGetPosts uses), so callers in one batch cannot get each other's
answers, and a post a caller may not see looks, to that caller, exactly like a missing one.

The statement is one round trip on a small asyncpg pool of its own, not on the SQLAlchemy
engine: measured on GetPost, the engine's checkout pre-ping (BEGIN, `;`, ROLLBACK when not in
autocommit), the transaction around a single statement and SQLAlchemy's own layers cost more
server CPU per call than the rest of the lookup. Safety after a database restart, which the
engine gets from its pre-ping, comes from asyncpg replacing a connection it has seen close when
it is next acquired, and from a batch that finds its connection closed replacing them all and
reading again, once (a read may be repeated freely).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from edges.coalescer import Coalescer, Outcome
from read_side.adapters.post_queries import view_columns
from read_side.adapters.rows import view_from_row
from read_side.adapters.visibility import Viewer, can_read
from read_side.model import PostView

# Up to this many posts per statement. A batch's rows are held in memory together and GetPost
# returns bodies (up to 100,000 code points each), so this bounds memory as much as the
# statement. 64 takes the benchmark's 64 callers in one or two batches.
LOOKUP_MAX_BATCH = 64
# Statements running at once, and the pool's size. While they all run, calls queue and become
# the next batch: this is what makes batches form. 2 keeps one statement in flight while the
# previous batch's rows become replies; more (on two cores) only makes batches smaller.
LOOKUP_MAX_IN_FLIGHT = 2
# As the engines (bootstrap.make_engine): a connection attempt, a statement.
CONNECT_TIMEOUT_S = 5
COMMAND_TIMEOUT_S = 30

# The columns of a PostView with its body, named by the table definition so the two can't drift.
_COLUMNS = ", ".join(c.name for c in view_columns(with_body=True))
_BY_IDS = f"SELECT {_COLUMNS} FROM post_view WHERE post_id = ANY($1::uuid[])"  # noqa: S608 - no input
# A connection found dead when used: the database restarted, or the session was killed. Until
# asyncpg has read the socket's end, such a connection is not yet closed and may fail in any of
# these ways (InternalClientError: the server's FATAL message arrived while it was idle).
_DEAD_CONNECTION = (
    asyncpg.exceptions.PostgresConnectionError,  # ConnectionDoesNotExistError among them
    asyncpg.exceptions.InterfaceError,  # "connection is closed"
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.AdminShutdownError,
)


class _Row(asyncpg.Record):  # type: ignore[misc]  # asyncpg ships no types: Record is Any
    """Columns as attributes, as view_from_row reads them on SQLAlchemy rows."""

    def __getattr__(self, name: str) -> Any:
        return self[name]


async def _keep_session(conn: asyncpg.Connection) -> None:
    """The pool's reset between uses: nothing. Lookups only SELECT, in autocommit, changing no
    session state, so asyncpg's default reset (a round trip: RESET ALL, UNLISTEN *, ...) is
    not needed."""


class PostLookup:
    def __init__(
        self,
        dsn: str,
        *,
        max_batch: int = LOOKUP_MAX_BATCH,
        max_in_flight: int = LOOKUP_MAX_IN_FLIGHT,
    ) -> None:
        """Connects only when `run` is running (from the composition root)."""
        self._dsn = dsn
        self._pool_size = max_in_flight
        self._pool: asyncpg.Pool | None = None
        self._opened = asyncio.Event()
        self._coalescer: Coalescer[UUID, PostView | None] = Coalescer(
            self._read_batch, max_batch=max_batch, max_in_flight=max_in_flight
        )

    async def run(self) -> None:
        """Holds the pool open until cancelled (shutdown). It connects lazily, so this starts
        whether or not the database answers yet."""
        pool = asyncpg.create_pool(
            self._dsn,
            min_size=0,
            max_size=self._pool_size,
            timeout=CONNECT_TIMEOUT_S,
            command_timeout=COMMAND_TIMEOUT_S,
            reset=_keep_session,
            record_class=_Row,
        )
        async with pool:
            self._pool = pool
            self._opened.set()
            await asyncio.Future()  # until cancelled

    async def get(self, post_id: UUID, viewer: Viewer, *, show_deleted: bool) -> PostView | None:
        """The post, if the viewer may read it; None if it doesn't exist or they may not."""
        view = await self._coalescer.submit(post_id)
        if view is None or not can_read(view, viewer, show_deleted=show_deleted):
            return None
        return view

    async def _read_batch(self, post_ids: Sequence[UUID]) -> list[Outcome[PostView | None]]:
        pool = await self._open_pool()
        try:
            found = await _read(pool, set(post_ids))
        except _DEAD_CONNECTION:
            # The others are as likely to be gone (a restart): as the engine's pool does on a
            # failed pre-ping, replace them all, not one at a time.
            await pool.expire_connections()
            found = await _read(pool, set(post_ids))
        return [found.get(post_id) for post_id in post_ids]

    async def _open_pool(self) -> asyncpg.Pool:
        await self._opened.wait()
        if self._pool is None:
            raise RuntimeError("post lookups' pool is not open")
        return self._pool


async def _read(pool: asyncpg.Pool, post_ids: set[UUID]) -> dict[UUID, PostView]:
    rows = await pool.fetch(_BY_IDS, list(post_ids))
    return {row["post_id"]: view_from_row(row) for row in rows}
