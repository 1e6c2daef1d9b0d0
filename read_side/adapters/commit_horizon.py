"""The event store's commit-safe head, shared by every StreamEvents call of one server.

Why shared: proving a head (event_contract.store.safe_head) takes three small queries and may
wait for in-flight appends. If each open stream did that on each NOTIFY, N streams would do N
times the work for one answer. Here at most one refresh runs at a time; every stream that
needs a newer head joins it.

Why a cached head is safe to hand out: once safe_head proved that nothing at or below H can
still appear, that stays true forever. So the largest head ever proved is a valid horizon for
every stream, whenever it asks.

Why no append is missed: a stream takes the change signal *before* it checks (ViewChanges), and
joins only a refresh that started after the last NOTIFY (same `generation`); a refresh that
started earlier may predate that append, so a new one is run after it. A lost NOTIFY (the
listener reconnecting) costs at most `recheck_s`: a refresh older than that is never reused.

Lazy: while no stream waits for a newer head, nothing is queried.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract.store import safe_head
from read_side.adapters.view_changes import ViewChanges

# Without a NOTIFY, waiting streams look again this often (a lost notification's worst cost).
RECHECK_S = 0.5
# How long one refresh waits for in-flight appends before it gives up and retries later.
MAX_WAIT_S = 1.0
# A stream waiting this long without a new head comes up for air (shutdown, cancellation).
IDLE_S = 30.0

type HeadSource = Callable[[], Awaitable[int | None]]


class StreamClosedError(Exception):
    """The server is shutting down: streams end (their clients resume elsewhere)."""


def store_head(engine: AsyncEngine, max_wait_s: float = MAX_WAIT_S) -> HeadSource:
    async def head() -> int | None:
        async with engine.connect() as conn:
            return await safe_head(conn, max_wait_s)

    return head


@dataclass(frozen=True, slots=True)
class _Refresh:
    generation: int
    started: float
    task: asyncio.Task[None]


class CommitHorizon:
    def __init__(self, head: HeadSource, recheck_s: float = RECHECK_S) -> None:
        self._head = head
        self._recheck_s = recheck_s
        self._changes = ViewChanges(recheck_s)
        self._generation = 0  # NOTIFYs seen so far
        self._known = 0  # the largest head proved so far
        self._refresh: _Refresh | None = None
        self.closed = False

    def fire(self) -> None:
        """An append committed (its NOTIFY arrived), or the listener (re)connected."""
        self._generation += 1
        self._changes.fire()

    def close(self) -> None:
        """Ends every stream: waiting ones at once, reading ones after their current page."""
        self.closed = True
        self.fire()

    async def beyond(self, after: int) -> int:
        """A commit-safe head above `after`, as soon as there is one."""

        async def check() -> int | None:
            if self.closed:
                raise StreamClosedError
            if self._known <= after:
                await self._refreshed()
            return self._known if self._known > after else None

        while True:
            head = await self._changes.wait_for(check, IDLE_S)
            if head is not None:
                return head

    async def _refreshed(self) -> None:
        """Returns once a refresh that started after the last NOTIFY (and recently) is done."""
        while True:
            current = self._refresh
            if current is not None and self._reusable(current):
                await asyncio.shield(current.task)
                return
            if current is not None and not current.task.done():
                # Stale but running: let it finish first, so that one refresh runs at a time.
                with contextlib.suppress(Exception):
                    await asyncio.shield(current.task)
                continue
            task = asyncio.create_task(self._run(), name="commit-horizon-refresh")
            task.add_done_callback(_retrieve_exception)
            self._refresh = _Refresh(self._generation, _now(), task)

    def _reusable(self, refresh: _Refresh) -> bool:
        if refresh.generation != self._generation:
            return False
        return not refresh.task.done() or _now() - refresh.started < self._recheck_s

    async def _run(self) -> None:
        head = await self._head()
        if head is not None:
            self._known = max(self._known, head)


def _now() -> float:
    return asyncio.get_running_loop().time()


def _retrieve_exception(task: asyncio.Task[None]) -> None:
    # The streams that joined the refresh get its error; if none is left, it is dropped here
    # instead of being logged as "never retrieved".
    if not task.cancelled():
        task.exception()
