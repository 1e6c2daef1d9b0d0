"""`projections rebuild` and `verify` on the real PostgreSQL, without Kafka: the read model
projected with the projector's own writer (`project_all`), damaged on purpose, found out by
verify, repaired by a rebuild; a rebuild interrupted or refused. Every in-process test runs with
the read tables in the write database and in a database of their own."""

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from post_service.bootstrap import make_engine
from read_side.adapters.event_source import StoreEvents
from read_side.operations.consistent_point import AppliedUpTo
from read_side.operations.counters import tag_counts
from read_side.operations.progress import NoProgress
from read_side.operations.rebuild import Rebuild, RebuildOptions
from read_side.operations.verify import Verify, VerifyOptions, VerifyReport
from tests.conftest import make_settings
from tests.support.projection import Databases
from tests.support.projection_ops import (
    Cli,
    leftover_copies,
    load_histories,
    schema_of,
    table_contents,
    wait_for_line,
)
from tests.support.queries import project_all
from tests.support.services import REPO

pytest_plugins = ["tests.support.projection_fixtures"]

EVENTS = 3_000


class Engines:
    def __init__(self, databases: Databases) -> None:
        self.write = make_engine(databases.write_url, pool_size=4)
        separate = databases.read_url != databases.write_url
        self.read = make_engine(databases.read_url, pool_size=4) if separate else self.write

    async def dispose(self) -> None:
        if self.read is not self.write:
            await self.read.dispose()
        await self.write.dispose()


@pytest.fixture
async def projected(databases: Databases) -> AsyncIterator[Engines]:
    """A store of realistic histories, and read tables the projector's writer filled."""
    await load_histories(databases.write_url, EVENTS)
    engines = Engines(databases)
    await project_all(engines.write, engines.read)
    yield engines
    await engines.dispose()


class PointReached:
    """Stands in for the relay, Kafka and the projector: the read model is complete here."""

    async def wait_applied(self, head: int, timeout_s: float) -> AppliedUpTo:  # noqa: ARG002
        return AppliedUpTo(head, reached=True)


async def verify(engines: Engines) -> VerifyReport:
    options = VerifyOptions(chunk_events=500)
    check = Verify(StoreEvents(engines.write), engines.read, PointReached(), options, NoProgress())  # type: ignore[arg-type]
    return await check.run()


async def rebuild(engines: Engines, *tables: str) -> None:
    options = RebuildOptions(tables=tables or RebuildOptions().tables, chunk_events=700)
    await Rebuild(StoreEvents(engines.write), engines.read, options, NoProgress()).run()


def counts(report: VerifyReport) -> dict[str, tuple[int, int, int]]:
    return {t.table: (t.missing, t.extra, t.different) for t in report.tables}


NONE = {"post_view": (0, 0, 0), "author_stats": (0, 0, 0), "tag_stats": (0, 0, 0)}


COPY_OF_A_POST = """
    INSERT INTO post_view SELECT CAST(:p AS uuid), author_id, title, body, excerpt, tags,
        visibility, status, created_at, updated_at, published_at, deleted_at, version,
        position, search
    FROM post_view WHERE post_id = CAST(:q AS uuid)
"""
ONE_PUBLISHED_TOO_MANY = """
    UPDATE author_stats SET published_count = published_count + 1
    WHERE author_id = CAST(:a AS uuid)
"""


async def damage(engine: AsyncEngine) -> dict[str, str]:
    """A changed row, a deleted row and an extra row in post_view, a wrong counter in
    author_stats, a tag that is not there in tag_stats. Returns the keys touched."""
    async with engine.begin() as conn:
        first, last = (
            await conn.execute(
                sa.text("SELECT min(post_id::text), max(post_id::text) FROM post_view")
            )
        ).one()
        author = await conn.scalar(sa.text("SELECT min(author_id::text) FROM author_stats"))
        extra = str(uuid.uuid4())
        for statement, params in [
            (
                "UPDATE post_view SET title = 'tampered' WHERE post_id = CAST(:p AS uuid)",
                {"p": first},
            ),
            ("DELETE FROM post_view WHERE post_id = CAST(:p AS uuid)", {"p": last}),
            (COPY_OF_A_POST, {"p": extra, "q": first}),
            (ONE_PUBLISHED_TOO_MANY, {"a": author}),
            ("INSERT INTO tag_stats VALUES ('never-used', 3)", {}),
        ]:
            await conn.execute(sa.text(statement), params)
    return {"changed": first, "deleted": last, "extra": extra, "author": author}


async def test_verify_finds_a_changed_a_deleted_and_an_extra_row_and_a_rebuild_repairs_them(
    projected, databases
):
    assert counts(await verify(projected)) == NONE
    healthy, schema = await table_contents(projected.read), await schema_of(projected.read)

    touched = await damage(projected.read)
    report = await verify(projected)

    assert counts(report) == {
        "post_view": (1, 1, 1),
        "author_stats": (0, 0, 1),
        "tag_stats": (0, 1, 0),
    }
    samples = {t.table: t.samples for t in report.tables}
    assert [s.key for s in samples["post_view"]["missing"]] == [touched["deleted"]]
    assert [s.key for s in samples["post_view"]["extra"]] == [touched["extra"]]
    assert samples["post_view"]["different"][0].columns == ("title",)
    assert samples["author_stats"]["different"][0].columns == ("published_count",)

    await rebuild(projected)

    assert counts(await verify(projected)) == NONE
    assert await table_contents(projected.read) == healthy
    assert await schema_of(projected.read) == schema  # every index and constraint name
    assert await leftover_copies(projected.read) == []
    await alembic_check_passes(databases.read_url)


async def alembic_check_passes(read_url: str) -> None:
    process = await asyncio.create_subprocess_exec(
        str(REPO / ".venv/bin/alembic"), "-n", "read", "-x", f"url={read_url}", "check",
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    assert "No new upgrade operations detected" in output.decode()


async def test_a_one_table_rebuild_repairs_that_table_and_leaves_the_others(projected):
    async with projected.read.begin() as conn:
        await conn.execute(sa.text("UPDATE tag_stats SET post_count = post_count + 5"))
        await conn.execute(sa.text("UPDATE post_view SET title = 'tampered' WHERE version = 3"))
        # As if the projector had not applied this listed post yet: the new tag_stats must
        # not count it, or the projector would count it a second time when it does.
        await conn.execute(sa.text(f"DELETE FROM post_view WHERE post_id = ({A_LISTED_POST})"))  # noqa: S608
    damaged_views = (await table_contents(projected.read))["post_view"]

    await rebuild(projected, "tag_stats")

    after = counts(await verify(projected))
    assert after["post_view"][0] == 1  # not this rebuild's table: still damaged
    assert after["post_view"][2] > 0
    assert (await table_contents(projected.read))["post_view"] == damaged_views
    assert await tag_stats_count(projected.read, "tag_stats") == await tag_stats_count(
        projected.read, f"({tag_counts('post_view')}) AS counted"
    )


A_LISTED_POST = """
    SELECT post_id FROM post_view WHERE status = 'PUBLISHED' AND visibility = 'PUBLIC'
    AND cardinality(tags) > 0 ORDER BY post_id LIMIT 1
"""


async def tag_stats_count(engine: AsyncEngine, source: str) -> dict[str, int]:
    query = f"SELECT tag, post_count FROM {source} WHERE post_count <> 0"  # noqa: S608
    async with engine.connect() as conn:
        return {row.tag: row.post_count for row in await conn.execute(sa.text(query))}


@pytest.fixture
def settings(databases: Databases):
    return make_settings(databases.write_url, read_database_url=databases.read_url)


@pytest.fixture
def cli(settings, tmp_path) -> Cli:
    return Cli(settings, tmp_path)


def held_cli(settings, tmp_path, phase: str) -> Cli:
    """The CLI, told to stop at `phase` until SIGUSR1 (edges/hold_points.py): a signal sent
    while it is held lands inside that phase however fast the machine is."""
    return Cli(settings.model_copy(update={"hold_at": phase}), tmp_path)


@pytest.mark.parametrize("databases", ["one database"], indirect=True)
async def test_ctrl_c_during_the_replay_leaves_the_live_tables_as_they_were(
    projected, settings, tmp_path
):
    before = await table_contents(projected.read)
    held = held_cli(settings, tmp_path, "rebuild.replay")
    rebuilding = await held.start("rebuild", "--chunk-events", "200")
    await wait_for_line(rebuilding, "held at rebuild.replay")
    async with projected.read.connect() as conn:  # the first chunk is in the shadow tables
        assert await conn.scalar(sa.text("SELECT count(*) FROM post_view_rebuild")) > 0

    rebuilding.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(rebuilding.communicate(), 30)

    assert rebuilding.returncode == 130, err.decode()
    assert "the live tables are as they were" in err.decode()
    assert await table_contents(projected.read) == before
    assert await leftover_copies(projected.read) == []


@pytest.mark.parametrize("databases", ["one database"], indirect=True)
async def test_a_second_rebuild_refuses_and_ctrl_c_while_swapping_changes_nothing(
    projected, settings, cli, tmp_path
):
    before = await table_contents(projected.read)
    first = await held_cli(settings, tmp_path, "rebuild.swap").start("rebuild")
    # Held in the swap's transaction: the shadow tables are renamed in, not yet committed.
    await wait_for_line(first, "held at rebuild.swap")

    second = await cli.run("rebuild")
    assert second.returncode == 1
    assert "rebuild refused: another rebuild is running" in second.stderr
    assert "pid" in second.stderr

    first.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(first.communicate(), 30)
    assert first.returncode == 130, err.decode()

    assert await table_contents(projected.read) == before
    assert await leftover_copies(projected.read) == []


@pytest.mark.parametrize("databases", ["one database"], indirect=True)
async def test_a_held_rebuild_goes_on_when_released_and_swaps_its_tables_in(
    projected, settings, tmp_path
):
    async with projected.read.begin() as conn:
        await conn.execute(sa.text("UPDATE post_view SET title = 'tampered' WHERE version = 2"))
    rebuilding = await held_cli(settings, tmp_path, "rebuild.swap").start("rebuild")
    await wait_for_line(rebuilding, "held at rebuild.swap")

    rebuilding.send_signal(signal.SIGUSR1)
    _, err = await asyncio.wait_for(rebuilding.communicate(), 60)

    assert rebuilding.returncode == 0, err.decode()
    assert "going on from rebuild.swap" in err.decode()
    assert counts(await verify(projected)) == NONE
