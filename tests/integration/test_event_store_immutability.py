"""Guarantee 5 at the database: a stored event never changes or disappears.

The `events` table's triggers refuse UPDATE, DELETE and TRUNCATE to every client, ours or psql,
so these statements go straight through asyncpg, past any code of ours.
"""

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from tests.support.databases import create_database, drop_database, unique_name
from tests.support.services import asyncpg_dsn

INSERT = """
INSERT INTO events (event_id, post_id, version, event_type, schema_version, data, actor_id,
                    caller, request_id, occurred_at)
VALUES ($1, $2, 1, 'posts.v1.PostCreated', 1, $3::jsonb, $4, 'test-suite', NULL, now())
RETURNING position
"""

CHANGES = [
    pytest.param("UPDATE events SET data = '{}'::jsonb WHERE position = $1", id="update data"),
    pytest.param("UPDATE events SET version = version + 1 WHERE position = $1", id="update key"),
    pytest.param("UPDATE events SET caller = caller", id="update of every row, to the same"),
    pytest.param("DELETE FROM events WHERE position = $1", id="delete one row"),
    pytest.param("DELETE FROM events", id="delete every row"),
    pytest.param("TRUNCATE events", id="truncate"),
    pytest.param("TRUNCATE events CASCADE", id="truncate cascade"),
    pytest.param(
        "WITH gone AS (DELETE FROM events WHERE position = $1 RETURNING *) SELECT 1",
        id="delete in a CTE",
    ),
]


@pytest.fixture(scope="module")
async def database(template_db: str) -> AsyncIterator[asyncpg.Connection]:
    name = unique_name("immut")
    await create_database(name, template=template_db)
    conn = await asyncpg.connect(asyncpg_dsn(name))
    try:
        yield conn
    finally:
        await conn.close()
        await drop_database(name)


async def _store_one_event(conn: asyncpg.Connection) -> int:
    post_id = uuid.uuid4()
    data = {
        "post_id": str(post_id),
        "title": "Kept",
        "body": "",
        "tags": [],
        "visibility": "PUBLIC",
    }
    position: int = await conn.fetchval(
        INSERT, uuid.uuid4(), post_id, json.dumps(data), uuid.uuid4()
    )
    return position


async def _row(conn: asyncpg.Connection, position: int) -> dict[str, Any]:
    row = await conn.fetchrow(
        "SELECT *, data::text AS data FROM events WHERE position = $1", position
    )
    assert row is not None, f"event at position {position} disappeared"
    return dict(row)


@pytest.mark.parametrize("statement", CHANGES)
async def test_the_database_refuses_to_change_or_remove_a_stored_event(database, statement):
    position = await _store_one_event(database)
    before = await _row(database, position)
    count_before = await database.fetchval("SELECT count(*) FROM events")
    args = (position,) if "$1" in statement else ()

    with pytest.raises(asyncpg.PostgresError, match="events are immutable"):
        await database.execute(statement, *args)

    assert await _row(database, position) == before
    assert await database.fetchval("SELECT count(*) FROM events") == count_before


async def test_a_transaction_that_tries_to_rewrite_history_leaves_no_trace(database):
    position = await _store_one_event(database)
    before = await _row(database, position)
    count_before = await database.fetchval("SELECT count(*) FROM events")

    async def append_one_and_rewrite_another() -> None:
        async with database.transaction():
            await _store_one_event(database)
            await database.execute(
                "UPDATE events SET caller = 'forger' WHERE position = $1", position
            )

    with pytest.raises(asyncpg.PostgresError, match="events are immutable"):
        await append_one_and_rewrite_another()

    assert await _row(database, position) == before
    assert await database.fetchval("SELECT count(*) FROM events") == count_before


async def test_a_plain_user_cannot_switch_the_immutability_triggers_off_for_a_session(database):
    # session_replication_role = replica would skip ordinary triggers; only superusers may set it.
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await database.execute("SET session_replication_role = replica")
