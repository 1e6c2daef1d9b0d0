"""`post-service projections verify`: the live read tables against a fold of the event store,
row by row, with no false differences while the projector runs (DESIGN.md, Guarantee 4).

1. H: the store's commit-safe head.
2. Wait (bounded) until the live read model has applied every event up to H
   (consistent_point.py). From then on a post behind its version at H is a real difference.
3. Fold the store up to H into scratch tables (`<table>_verify_<random>`), with the projector's
   own fold (ProjectionWriter, replay.py), in short transactions.
4. ONE repeatable-read transaction on the read database, the live tables locked in share mode
   before its snapshot (so a rebuild can't swap a table mid-comparison):
   - posts the live table holds at a later version than the scratch one (the projector applied
     events after H meanwhile), or holds and the scratch does not (created after H), are
     folded on in the scratch tables up to their live version: each post is compared at the
     version the live table has applied, never against a moving target;
   - post_view is compared with the scratch views; author_stats and tag_stats with counters
     recomputed from the scratch views (counters.py): the counters are a function of the set
     of views, so this also catches a counter the projector's differences got wrong.
   The transaction is rolled back; the scratch tables are dropped whatever happens.
"""

# ruff: noqa: S608 - SQL is built from our own table names, never from input

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from read_side.adapters.event_source import StoreEvents
from read_side.adapters.projection import ProjectionWriter
from read_side.adapters.tables import post_view
from read_side.operations.compare import Comparison, TableDifferences, compare
from read_side.operations.consistent_point import AppliedUpTo, PipelineProgress
from read_side.operations.copies import READ_TABLES, Copies
from read_side.operations.counters import author_counts, tag_counts
from read_side.operations.progress import Progress
from read_side.operations.replay import Replay

log = logging.getLogger(__name__)

# Posts the live table holds beyond the scratch table (applied after H), or alone.
_AHEAD = """
    SELECT l.post_id, l.version AS live, coalesce(s.version, 0) AS scratch
    FROM post_view l LEFT JOIN {scratch} s ON s.post_id = l.post_id
    WHERE s.post_id IS NULL OR l.version > s.version
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyOptions:
    search_config: str = "simple"
    chunk_events: int = 20_000
    wait_s: float = 60.0  # step 2's bound
    samples: int = 5


@dataclass(frozen=True, slots=True)
class VerifyReport:
    applied: AppliedUpTo
    posts: int  # posts compared
    folded_on: int  # posts compared beyond H, at their live version
    tables: list[TableDifferences]

    @property
    def differences(self) -> int:
        return sum(t.total for t in self.tables)


class Verify:
    def __init__(
        self,
        source: StoreEvents,
        read_engine: AsyncEngine,
        pipeline: PipelineProgress,
        options: VerifyOptions,
        progress: Progress,
    ) -> None:
        self._source = source
        self._engine = read_engine
        self._pipeline = pipeline
        self._options = options
        self._progress = progress
        self._scratch = Copies(f"_verify_{secrets.token_hex(4)}")
        self._writer = ProjectionWriter(options.search_config, self._scratch.suffix)

    async def run(self) -> VerifyReport:
        head = await self._source.head()
        self._progress.note(f"waiting until the read model has applied position {head}")
        applied = await self._pipeline.wait_applied(head, self._options.wait_s)
        if not applied.reached:
            self._progress.note(f"not waiting any longer: {applied.why_not}")
        try:
            async with self._engine.begin() as conn:
                await self._scratch.create(conn)
            self._progress.grow(await self._source.count(0, head))
            replay = Replay(
                self._source, self._engine, self._writer, self._options.chunk_events, self._progress
            )
            await replay.run(0, head)
            self._progress.note("comparing")
            return await self._compare(applied)
        finally:
            await asyncio.shield(self._drop())

    async def _compare(self, applied: AppliedUpTo) -> VerifyReport:
        async with self._engine.connect() as plain:
            conn = await plain.execution_options(isolation_level="REPEATABLE READ")
            await conn.begin()
            try:
                live = ", ".join(READ_TABLES)
                await conn.execute(sa.text(f"LOCK TABLE {live} IN ACCESS SHARE MODE"))
                folded_on = await self._fold_on(conn)
                tables = [await compare(conn, c, self._options.samples) for c in self._plan()]
                posts = await conn.scalar(sa.select(sa.func.count()).select_from(post_view))
            finally:
                await conn.rollback()
        return VerifyReport(applied, int(posts or 0), folded_on, tables)

    async def _fold_on(self, conn: AsyncConnection) -> int:
        """The posts ahead of the scratch tables, folded on to their live versions (step 4)."""
        views = self._scratch.name("post_view")
        ahead = (await conn.execute(sa.text(_AHEAD.format(scratch=views)))).all()
        events = [
            e for r in ahead for e in await self._source.post_events(r.post_id, r.scratch, r.live)
        ]
        await self._writer.apply(conn, events, self._source.post_events)
        return len(ahead)

    def _plan(self) -> list[Comparison]:
        views = self._scratch.name("post_view")
        columns = tuple(c.name for c in post_view.c)
        authors = ("author_id", "post_count", "published_count", "last_published_at")
        return [
            Comparison(
                "post_view", "post_id", columns, "SELECT * FROM post_view", f"SELECT * FROM {views}"
            ),
            Comparison(
                "author_stats",
                "author_id",
                authors,
                "SELECT * FROM author_stats",
                author_counts(views),
            ),
            Comparison(
                "tag_stats",
                "tag",
                ("tag", "post_count"),
                "SELECT * FROM tag_stats WHERE post_count <> 0",
                tag_counts(views),
            ),
        ]

    async def _drop(self) -> None:
        try:
            async with self._engine.begin() as conn:
                await conn.execute(sa.text("SET LOCAL lock_timeout = 10000"))
                await self._scratch.drop(conn)
        except Exception:
            names = ", ".join(self._scratch.name(t) for t in READ_TABLES)
            log.warning("verify: could not drop the scratch tables %s", names, exc_info=True)
