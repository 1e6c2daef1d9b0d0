"""`post-service projections rebuild`: the read tables, replayed from the event store (never
from Kafka) into shadow tables and swapped in, while queries and the projector go on.

1. Shadow tables (`<table>_rebuild`, copies.py) are filled by replaying the store up to its
   commit-safe head, in position order, in short chunked transactions (replay.py).
2. Their other indexes are built CONCURRENTLY, they are vacuumed and analysed, and the replay
   catches up with what was appended meanwhile, in rounds, until a round is small.
3. One read-database transaction: pause the projectors (the projection lock, exclusive: they
   finish the batch in flight and wait at the start of the next); take the head H again; apply
   the events up to H; swap the shadow tables in. Every event a projector applied had reached
   Kafka, so the relay had read it below its horizon, which is at or below H: nothing the
   projector applied is missing. When the projectors resume, their version checks skip what
   the new tables hold, and every event after H reaches them through Kafka: nothing later is
   lost. Queries see the old tables or the new ones, never a half-built one; they wait only
   for the renames, which come last.
4. The shadow tables are dropped whatever happens (Ctrl-C included): until the swap commits,
   the live tables are untouched.

Hold points (edges/hold_points.py), for tests and drills that interrupt a phase:
`rebuild.replay` after the first chunk is in the shadow tables; `rebuild.swap` in the swap's
transaction, after the renames, before the commit.

One table by name: all shadows are still built (the counters need the views), aligned to the
versions the live post_view holds (align.py), and only that table is swapped in.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from edges.hold_points import NO_HOLDS, HoldPoints
from read_side.adapters.event_source import HeadUnavailableError, StoreEvents
from read_side.adapters.locks import pause_projectors
from read_side.adapters.projection import ProjectionWriter
from read_side.operations.align import align_to_live
from read_side.operations.copies import READ_TABLES, Copies
from read_side.operations.progress import Progress
from read_side.operations.rebuild_lock import only_rebuild
from read_side.operations.replay import Replay

log = logging.getLogger(__name__)

SHADOW = Copies("_rebuild")
_LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True, slots=True, kw_only=True)
class RebuildOptions:
    tables: tuple[str, ...] = READ_TABLES
    search_config: str = "simple"
    # Events per transaction: big enough that most posts are written once or twice in all,
    # small enough that a chunk commits in about a second (50,000 replays ~20% faster, in
    # transactions of 2-3 s).
    chunk_events: int = 20_000
    # Catch up in rounds until one has fewer events than this, then pause the projectors.
    settle_events: int = 2_000
    max_rounds: int = 20
    # The swap: how long it waits for the projection lock and for running queries, and how
    # long for the head; then it rolls back, lets everything go on, and tries again.
    swap_lock_timeout_s: float = 5.0
    swap_head_wait_s: float = 3.0
    swap_attempts: int = 10


@dataclass(frozen=True, slots=True)
class RebuildReport:
    tables: tuple[str, ...]
    events: int
    head: int
    seconds: float
    replay_seconds: float  # the first pass, up to the head when the rebuild started
    index_seconds: float
    pause_seconds: float  # the projectors were held this long (lock granted to commit)
    longest_transaction_s: float  # of the chunks (what the relay may have waited for)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class Rebuild:
    def __init__(
        self,
        source: StoreEvents,
        read_engine: AsyncEngine,
        options: RebuildOptions,
        progress: Progress,
        holds: HoldPoints = NO_HOLDS,
    ) -> None:
        self._source = source
        self._engine = read_engine
        self._options = options
        self._progress = progress
        self._holds = holds
        self._writer = ProjectionWriter(options.search_config, SHADOW.suffix)
        self._replay = Replay(
            source,
            read_engine,
            self._writer,
            options.chunk_events,
            progress,
            after_chunk=lambda: holds.reached("rebuild.replay"),
        )

    async def run(self) -> RebuildReport:
        """Raises RebuildRunningError if another rebuild holds the lock."""
        async with only_rebuild(self._engine):
            try:
                return await self._rebuild()
            finally:
                await asyncio.shield(self._drop_shadows())

    async def _rebuild(self) -> RebuildReport:
        started = time.monotonic()
        async with self._engine.begin() as conn:
            await SHADOW.create(conn)
        head = await self._source.head()
        self._progress.grow(await self._source.count(0, head))
        events = await self._replay.run(0, head)
        replayed = time.monotonic()
        self._progress.note("building indexes, vacuuming")
        await SHADOW.build_indexes(self._engine)
        await SHADOW.vacuum_analyze(self._engine)
        indexed = time.monotonic()
        head, caught_up = await self._catch_up(head)
        head, final, pause = await self._swap(head)
        return RebuildReport(
            tables=self._options.tables,
            events=events + caught_up + final,
            head=head,
            seconds=time.monotonic() - started,
            replay_seconds=replayed - started,
            index_seconds=indexed - replayed,
            pause_seconds=pause,
            longest_transaction_s=self._replay.longest_transaction_s,
        )

    async def _catch_up(self, after: int) -> tuple[int, int]:
        total = 0
        for _ in range(self._options.max_rounds):
            head = await self._source.head()
            if head <= after:
                break
            self._progress.grow(await self._source.count(after, head))
            applied = await self._replay.run(after, head)
            after, total = head, total + applied
            if applied < self._options.settle_events:
                break
        return after, total

    async def _swap(self, after: int) -> tuple[int, int, float]:
        """The final transaction (module docstring, step 3), retried while it times out."""
        o = self._options
        for attempt in range(1, o.swap_attempts + 1):
            try:
                return await self._swap_once(after)
            except (DBAPIError, HeadUnavailableError) as error:
                if attempt == o.swap_attempts or not _timed_out(error):
                    raise
                self._progress.note(f"swap attempt {attempt} timed out ({error}); retrying")
                after, _ = await self._catch_up(after)
        raise AssertionError("unreachable")

    async def _swap_once(self, after: int) -> tuple[int, int, float]:
        o = self._options
        self._progress.note("pausing the projectors, applying the last events, swapping")
        async with self._engine.begin() as conn:
            lock_timeout_ms = int(o.swap_lock_timeout_s * 1000)
            await conn.execute(sa.text(f"SET LOCAL lock_timeout = {lock_timeout_ms}"))
            await pause_projectors(conn)
            paused = time.monotonic()
            # Before this transaction writes anything: it has no xid yet, so proving the head
            # can't wait for this transaction itself (same cluster).
            head = await self._source.head(patience_s=o.swap_head_wait_s)
            self._progress.grow(await self._source.count(after, head))
            applied = await self._replay.apply_in(conn, after, head)
            if o.tables != READ_TABLES:
                realigned = await align_to_live(conn, SHADOW, self._writer, self._source)
                log.info("rebuild: %d posts realigned to the live post_view", realigned)
            await SHADOW.swap(conn, o.tables)
            await self._holds.reached("rebuild.swap")
        return head, applied, time.monotonic() - paused

    async def _drop_shadows(self) -> None:
        try:
            async with self._engine.begin() as conn:
                await conn.execute(sa.text("SET LOCAL lock_timeout = 10000"))
                await SHADOW.drop(conn)
        except Exception:
            # Not worth hiding the rebuild's own outcome for: the next rebuild drops them.
            log.warning("rebuild: the shadow tables could not be dropped", exc_info=True)


def _timed_out(error: Exception) -> bool:
    if isinstance(error, HeadUnavailableError):
        return True
    return getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE  # type: ignore[attr-defined]
