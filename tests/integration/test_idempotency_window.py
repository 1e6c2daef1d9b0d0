"""A request id is remembered for the retention window, and can be used again after it."""

from datetime import timedelta
from uuid import uuid4

import sqlalchemy as sa
from uuid_utils.compat import uuid7

from post_service.bootstrap import make_engine
from write_side.adapters.event_store import PostgresEventStore
from write_side.adapters.tables import idempotency_records
from write_side.application.handler import CommandContext, CommandHandler
from write_side.domain import Actor, CreatePost, Limits


async def _age(engine, request_id, by: timedelta) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(idempotency_records)
            .where(idempotency_records.c.request_id == request_id)
            .values(created_at=sa.func.now() - by)
        )


async def test_a_request_id_replays_within_the_window_and_is_new_again_after_it(fresh_db):
    engine = make_engine(fresh_db)
    store = PostgresEventStore(engine, snapshot_every=100, retention=timedelta(hours=1))
    handler = CommandHandler(store, Limits(), max_retries=3)
    request_id = uuid7()
    ctx = CommandContext(
        actor=Actor(uuid4()), caller="test", request_id=request_id, fingerprint=b"f"
    )
    try:
        first = await handler.execute(CreatePost(uuid7(), "Title", "Body"), ctx)
        again = await handler.execute(CreatePost(uuid7(), "Title", "Body"), ctx)
        assert again == first

        await _age(engine, request_id, timedelta(hours=2))
        after_window = await handler.execute(CreatePost(uuid7(), "Title", "Body"), ctx)
        assert after_window.post_id != first.post_id
        assert await handler.execute(CreatePost(uuid7(), "Title", "Body"), ctx) == after_window

        await _age(engine, request_id, timedelta(hours=2))
        assert await store.purge_requests() == 1
        assert await store.find_request(request_id) is None
    finally:
        await engine.dispose()
