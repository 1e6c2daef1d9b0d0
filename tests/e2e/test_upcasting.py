"""A real schema change, end to end: PostRestored v2 renamed `status` to `restored_status`.

Stored rows never change, so rows the v1 code wrote stay v1 forever. The test writes such rows
itself, exactly as the v1 code did (same columns, schema_version 1, data with `status`, the
append's NOTIFY), after a history made through the real commands, and shows that every reader
of the store sees them in the v2 shape: aggregate loading (the next command decides from the
right status), GetPostHistory and GetPostAt, the relay (the Kafka message), the projector (the
read tables) and a fold of the whole store as the rebuild does it.
"""

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from aiokafka import ConsumerRecord
from posts.v1 import common_pb2
from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract.store import NOTIFY_CHANNEL
from post_service.bootstrap import Service
from read_side.adapters.tables import post_view
from tests.conftest import CALLER, make_settings
from tests.support.commands import Commands
from tests.support.kafka import Records, headers, read_topic
from tests.support.queries import Reader
from tests.support.read_model import fold_event_store, wait_until_read_model_matches

PARTS = frozenset({"serve", "relay", "projector"})

# The INSERT of the v1 code's append (write_side/adapters/event_store.py before v2), and its
# NOTIFY: the row the v1 code left behind, byte for byte in every column we read.
V1_INSERT = sa.text(
    "INSERT INTO events (event_id, post_id, version, event_type, schema_version, data,"
    " actor_id, caller, request_id, occurred_at)"
    " VALUES (:event_id, :post_id, :version, 'posts.v1.PostRestored', 1,"
    " CAST(:data AS jsonb), :actor_id, :caller, NULL, now())"
)


@dataclass(frozen=True)
class OldRestore:
    post_id: str
    version: int
    status: str  # what the v1 row says, in its `status` field


@pytest.fixture
async def service(fresh_db: str, start_service) -> Service:
    settings = make_settings(
        fresh_db,
        events_topic=f"posts-upcasting-{uuid.uuid4().hex[:10]}",
        events_partitions=2,
        projector_group_id=f"projector-{uuid.uuid4().hex[:10]}",
        projector_max_wait_ms=100,
    )
    started: Service = await start_service(settings, PARTS)
    return started


async def insert_v1_restore(engine: AsyncEngine, author: Commands, old: OldRestore) -> None:
    data = {"post_id": old.post_id, "status": old.status}
    async with engine.begin() as conn:
        await conn.execute(
            V1_INSERT,
            {
                "event_id": uuid.uuid4(),
                "post_id": uuid.UUID(old.post_id),
                "version": old.version,
                "data": orjson.dumps(data).decode(),
                "actor_id": author.actor,
                "caller": CALLER,
            },
        )
        await conn.execute(sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, "")))


async def histories_ending_in_v1_restores(
    author: Commands, engine: AsyncEngine
) -> tuple[OldRestore, OldRestore]:
    """A published post and a draft, both deleted through the commands, then restored by rows
    in the v1 shape."""
    published = (await author.create(title="Was published")).post_id
    await author.publish(published)
    await author.delete(published)
    draft = (await author.create(title="Was a draft")).post_id
    await author.delete(draft)
    old = OldRestore(published, 4, "PUBLISHED"), OldRestore(draft, 3, "DRAFT")
    for restore in old:
        await insert_v1_restore(engine, author, restore)
    return old


async def stored_rows(engine: AsyncEngine, post_id: str) -> list[tuple[Any, ...]]:
    query = sa.text(
        "SELECT version, event_type, schema_version, data FROM events"
        " WHERE post_id = :p ORDER BY version"
    )
    async with engine.connect() as conn:
        rows = await conn.execute(query, {"p": uuid.UUID(post_id)})
        return [tuple(row) for row in rows]


async def rows_still_in_the_v1_shape(engine: AsyncEngine, old: Sequence[OldRestore]) -> None:
    """Guarantee 5: reading upcasts, it never rewrites what is stored."""
    for restore in old:
        row = (await stored_rows(engine, restore.post_id))[restore.version - 1]
        v1_data = {"post_id": restore.post_id, "status": restore.status}
        assert row == (restore.version, "posts.v1.PostRestored", 1, v1_data)


async def view_reaches(engine: AsyncEngine, post_id: str, version: int) -> tuple[str, int]:
    """(status, version) of the post's read row once the projector applied `version`."""
    query = sa.select(post_view.c.status, post_view.c.version).where(
        post_view.c.post_id == uuid.UUID(post_id)
    )
    async with asyncio.timeout(20):
        while True:
            async with engine.connect() as conn:
                row = (await conn.execute(query)).one_or_none()
            if row is not None and row.version >= version:
                return row.status, row.version
            await asyncio.sleep(0.05)


def _post_and_version(record: ConsumerRecord[bytes, bytes]) -> tuple[str, str]:
    return headers(record)["ce_subject"], headers(record)["ce_postversion"]


async def test_events_stored_in_the_v1_shape_are_read_in_the_v2_shape_everywhere(
    service, engine, channel_to
):
    channel = channel_to(service)
    author = Commands(channel)
    old = await histories_ending_in_v1_restores(author, engine)

    await rows_still_in_the_v1_shape(engine, old)

    # The rebuild's view: the read model's own fold over the whole store. `projections
    # rebuild` itself is run over stores holding v1 PostRestored rows in
    # tests/integration/test_projections_rebuild.py (tests/support/projection_ops.py).
    async with engine.connect() as conn:
        folded = await fold_event_store(conn)
    for restore in old:
        view = folded.views[uuid.UUID(restore.post_id)]
        assert (view.status, view.version, view.deleted_at) == (
            restore.status,
            restore.version,
            None,
        )

    # GetPostHistory and GetPostAt read the store through the codec.
    as_author = Reader(channel, author.actor)
    for restore in old:
        event = (await as_author.history(restore.post_id)).events[-1]
        assert (event.type, event.version, event.schema_version) == (
            "posts.v1.PostRestored",
            restore.version,
            2,
        )
        assert orjson.loads(event.data) == {
            "post_id": restore.post_id,
            "restored_status": restore.status,
        }
        at = await as_author.at(restore.post_id, version=restore.version)
        assert common_pb2.PostStatus.Name(at.status) == f"POST_STATUS_{restore.status}"

    # The relay publishes what it reads: the v2 shape, labelled version 2.
    wanted = {(r.post_id, str(r.version)) for r in old}

    def restores(records: Records) -> Records:
        return [r for r in records if _post_and_version(r) in wanted]

    records = await read_topic(
        service.settings.kafka_bootstrap_servers,
        service.settings.events_topic,
        # A set: the relay may publish an event twice (at least once).
        lambda seen: {_post_and_version(r) for r in restores(seen)} == wanted,
    )
    for record in restores(records):
        attrs = headers(record)
        value = orjson.loads(record.value)
        assert (attrs["ce_type"], attrs["ce_schemaversion"]) == ("posts.v1.PostRestored", "2")
        assert set(value) == {"post_id", "restored_status"}
        assert {r.status for r in old if r.post_id == attrs["ce_subject"]} == {
            value["restored_status"]
        }

    # The projector applied them with the right status, and the read tables equal the fold.
    for restore in old:
        assert await view_reaches(engine, restore.post_id, restore.version) == (
            restore.status,
            restore.version,
        )
    await wait_until_read_model_matches(
        service.settings.database_url, service.settings.database_url
    )

    # Aggregate loading: the next commands decide from the restored status. Unpublishing a
    # post that is not PUBLISHED, or publishing one that is not a DRAFT, would be a no-op, and
    # a post still DELETED would be refused.
    published, draft = old
    unpublished = await author.unpublish(published.post_id)
    republished = await author.publish(draft.post_id)
    assert (unpublished.version, republished.version) == (5, 4)
    assert (await stored_rows(engine, published.post_id))[-1][1] == "posts.v1.PostUnpublished"
    assert (await stored_rows(engine, draft.post_id))[-1][1] == "posts.v1.PostPublished"
    assert await view_reaches(engine, published.post_id, 5) == ("DRAFT", 5)
    assert await view_reaches(engine, draft.post_id, 4) == ("PUBLISHED", 4)
    await rows_still_in_the_v1_shape(engine, old)
