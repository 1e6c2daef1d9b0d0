"""safe_head (event_contract.store) on the real PostgreSQL, in the case that a snapshot's xip
misses: the append still in flight holds the NEWEST xid. B takes its xid first, A a later one;
A draws the lower position; B commits. A snapshot now has xmax = B + 1 <= A, so A is in progress
but not in its xip: a reader that only waited for the xip would hand out B's position and skip
A's for good."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract.store import read_range, safe_head
from tests.support.appending import insert_uncommitted, new_history


async def _head(engine: AsyncEngine, max_wait_s: float) -> int | None:
    async with engine.connect() as conn:
        return await safe_head(conn, max_wait_s)


async def test_an_append_holding_the_newest_xid_is_waited_for_though_no_xip_lists_it(engine):
    async with engine.connect() as b, engine.connect() as a:
        await b.execute(sa.text("SELECT pg_current_xact_id()"))
        position_a = await insert_uncommitted(a, new_history(1))
        position_b = await insert_uncommitted(b, new_history(1))
        await b.commit()
        assert position_a < position_b
        xid_a = await a.scalar(sa.text("SELECT pg_current_xact_id()::text"))
        async with engine.connect() as reader:
            xip = await reader.execute(
                sa.text("SELECT x::text FROM pg_snapshot_xip(pg_current_snapshot()) x")
            )
            assert xid_a not in {x for (x,) in xip}  # the trap is real

        assert await _head(engine, max_wait_s=0.2) is None

        await a.commit()
    head = await _head(engine, max_wait_s=5)
    assert head is not None
    assert head >= position_b
    async with engine.connect() as conn:
        positions = [e.position for e in await read_range(conn, 0, head, 10)]
    assert positions == [position_a, position_b]
