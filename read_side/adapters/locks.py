"""The lock that lets a rebuild pause the live projector at a batch boundary.

Every projector batch takes it *shared* inside its transaction (projectors don't exclude each
other); a rebuild takes it *exclusively* when it must see, or swap, read tables that no batch is
changing. Transaction-level (`_xact_`): it is released with the commit or rollback, so a killed
projector can never leave it held.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

# "post_vie" in ASCII, as a signed 64-bit key: constant across processes and releases, and far
# from the relay's hashed keys (which live in the write database anyway).
PROJECTION_LOCK_KEY = 0x706F73745F766965


async def hold_projection_lock_shared(conn: AsyncConnection) -> None:
    """Until the end of the caller's transaction; waits while a rebuild holds it exclusively."""
    await conn.execute(sa.select(sa.func.pg_advisory_xact_lock_shared(PROJECTION_LOCK_KEY)))


async def pause_projectors(conn: AsyncConnection) -> None:
    """Exclusive until the end of the caller's transaction: waits for the batches in flight to
    commit, then holds every projector at the start of its next batch (it resumes after)."""
    await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PROJECTION_LOCK_KEY)))
