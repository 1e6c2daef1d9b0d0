"""Loading posts for commands: the newest valid snapshot and the events after it, for the posts
of concurrent commands in one statement.

Every command but CreatePost loads its post first. Loads are coalesced (edges.coalescer)
like appends: while the slots are busy, the posts asked for meanwhile are read together, one
statement and one round trip for all of them. The statement sees one database snapshot, so each
post's snapshot row and its events agree, and it also returns the event at the snapshot's own
version: its position is the post's position when nothing came after the snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncEngine

from edges.coalescer import Coalescer, Outcome
from event_contract.store import row_to_event
from write_side.application.ports import LoadedPost
from write_side.domain import STATE_SCHEMA_VERSION, PostState, fold

STATE = TypeAdapter(PostState)

# As the appends' (event_store): a batch's posts and their events are held together in memory,
# and 2 slots keep one statement running while the previous batch is folded.
LOAD_MAX_BATCH = 64
LOAD_MAX_IN_FLIGHT = 2

# A snapshot of another state schema version is ignored: folding from events is always right.
# Rows come in (post_id, version) order, the event_store's unique key: an index scan per post.
_LOAD_BATCH = sa.text("""
WITH wanted AS (
    SELECT DISTINCT post_id FROM unnest(CAST(:post_ids AS uuid[])) AS w(post_id)
), snap AS (
    SELECT s.post_id, s.version, s.state
    FROM snapshots AS s JOIN wanted USING (post_id)
    WHERE s.state_schema_version = :state_schema_version
)
SELECT e.position, e.event_id, e.post_id, e.version, e.event_type, e.schema_version,
    CAST(e.data AS text) AS data, e.actor_id, e.caller, e.request_id, e.occurred_at,
    CASE WHEN e.version = snap.version THEN CAST(snap.state AS text) END AS snapshot
FROM wanted
JOIN events AS e ON e.post_id = wanted.post_id
LEFT JOIN snap ON snap.post_id = wanted.post_id
WHERE e.version >= coalesce(snap.version, 0)
ORDER BY e.post_id, e.version
""")


class PostLoader:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        max_batch: int = LOAD_MAX_BATCH,
        max_in_flight: int = LOAD_MAX_IN_FLIGHT,
    ) -> None:
        self._engine = engine
        self._loads: Coalescer[UUID, LoadedPost] = Coalescer(
            self._load_batch, max_batch=max_batch, max_in_flight=max_in_flight
        )

    async def load(self, post_id: UUID) -> LoadedPost:
        return await self._loads.submit(post_id)

    async def drain(self) -> None:
        await self._loads.drain()

    async def _load_batch(self, post_ids: Sequence[UUID]) -> list[Outcome[LoadedPost]]:
        params = {
            "post_ids": list(set(post_ids)),
            "state_schema_version": STATE_SCHEMA_VERSION,
        }
        async with self._engine.connect() as conn:
            rows = (await conn.execute(_LOAD_BATCH, params)).all()
        loaded = {
            post_id: _fold(list(post_rows))
            for post_id, post_rows in groupby(rows, key=lambda row: row.post_id)
        }
        absent = LoadedPost(state=None, position=0)
        return [loaded.get(post_id, absent) for post_id in post_ids]


def _fold(rows: list[Any]) -> LoadedPost:
    """One post's rows, in version order: the snapshot's own event first if there is one."""
    start = None
    if rows[0].snapshot is not None:
        start = STATE.validate_json(rows[0].snapshot)
        rows_after = rows[1:]
    else:
        rows_after = rows
    state = fold(start, [row_to_event(row) for row in rows_after])
    return LoadedPost(state=state, position=int(rows[-1].position))
