"""Kafka offsets the read model has applied, per partition, in the read database.

They are written in the same transaction as the rows they account for, so the read model and
its position can never disagree; Kafka's own committed offsets are only informational (lag
tooling). A partition without a row is read from its beginning.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from read_side.adapters.tables import projection_checkpoints as checkpoints


async def load_checkpoints(
    engine: AsyncEngine, topic: str, partitions: Sequence[int]
) -> dict[int, int]:
    """Next offset per partition, for those that have a checkpoint."""
    query = sa.select(checkpoints.c.partition, checkpoints.c.next_offset).where(
        checkpoints.c.topic == topic, checkpoints.c.partition.in_(list(partitions))
    )
    async with engine.connect() as conn:
        return {row.partition: row.next_offset for row in await conn.execute(query)}


async def lock_checkpoints(
    conn: AsyncConnection, topic: str, partitions: Sequence[int]
) -> dict[int, int]:
    """Locks the partitions' checkpoint rows until the end of the transaction (creating missing
    ones at offset 0) and returns their next offsets.

    This fences batches per partition. After a rebalance, the partition's old owner may still be
    applying (or retrying) a batch while the new owner reads the same records; both lock the
    row, the second waits for the first and then sees the offsets it committed, and drops
    those records. Without it, two transactions could each insert the same new post, and each
    add it to the counters. Rows are locked in partition order: no deadlock between batches.
    """
    rows = [{"topic": topic, "partition": p, "next_offset": 0} for p in sorted(partitions)]
    insert = pg_insert(checkpoints).values(rows)
    # A no-op update rather than DO NOTHING: it locks the existing row, and RETURNING sees it.
    statement = insert.on_conflict_do_update(
        index_elements=[checkpoints.c.topic, checkpoints.c.partition],
        set_={"next_offset": checkpoints.c.next_offset},
    ).returning(checkpoints.c.partition, checkpoints.c.next_offset)
    return {row.partition: row.next_offset for row in await conn.execute(statement)}


async def save_checkpoints(conn: AsyncConnection, topic: str, next_offsets: dict[int, int]) -> None:
    """Moves locked checkpoints forward, never back."""
    statement = (
        sa.update(checkpoints)
        .where(
            checkpoints.c.topic == topic,
            checkpoints.c.partition == sa.bindparam("p"),
        )
        .values(
            next_offset=sa.func.greatest(checkpoints.c.next_offset, sa.bindparam("n")),
            updated_at=sa.func.now(),
        )
    )
    params = [{"p": p, "n": n} for p, n in sorted(next_offsets.items())]
    await conn.execute(statement, params)
