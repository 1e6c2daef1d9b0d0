"""`post-service projections …` against a running service: the relay and the projector on the
real broker, commands and queries over gRPC, the CLI as its own process. Realistic histories
are bulk-loaded into the store first (every event type), so each test starts from a few
thousand events across hundreds of posts."""

import asyncio
import json
import uuid

import grpc
import pytest
import sqlalchemy as sa

from event_contract.store_schema import events
from post_service.bootstrap import Service, make_engine
from post_service.settings import Settings
from read_side.adapters.relay_progress import relay_progress
from tests.conftest import make_settings
from tests.support.command_stream import CommandStream
from tests.support.commands import Commands
from tests.support.projection import wait_until_projected
from tests.support.projection_ops import Cli, load_histories, schema_of, table_contents
from tests.support.queries import Reader

EVENTS = 4_000
WATCHED_POSTS = 20
WORD = "zyzzyvaquux"


def settings_for(database_url: str) -> Settings:
    return make_settings(
        database_url,
        events_topic=f"posts-projections-{uuid.uuid4().hex[:10]}",
        events_partitions=3,
        projector_group_id=f"projector-{uuid.uuid4().hex[:10]}",
        projector_max_wait_ms=100,
    )


@pytest.fixture
async def loaded(fresh_db: str) -> Settings:
    await load_histories(fresh_db, EVENTS)
    return settings_for(fresh_db)


@pytest.fixture
def cli(loaded: Settings, tmp_path) -> Cli:
    return Cli(loaded, tmp_path)


async def test_a_rebuild_equals_what_the_projector_built_and_verify_agrees(
    loaded, cli, start_service
):
    service = await start_service(loaded, frozenset({"relay", "projector"}))
    await wait_until_projected(loaded, within_s=60)
    before = await table_contents(service.read_engine)
    schema = await schema_of(service.read_engine)

    rebuilt = await cli.run("rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt post_view, author_stats, tag_stats from" in rebuilt.stdout

    assert await table_contents(service.read_engine) == before
    assert await schema_of(service.read_engine) == schema
    verified = await cli.run("verify", "--wait", "30")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "every event up to it applied" in verified.stdout
    assert verified.stdout.rstrip().endswith("no differences")


async def watched_author(channel: grpc.aio.Channel) -> Commands:
    """An author whose published posts no command touches while the test runs."""
    author = Commands(channel)
    for i in range(WATCHED_POSTS):
        created = await author.create(title=f"{WORD} {i}", tags=["watched"])
        await author.publish(created.post_id)
    return author


async def query_while(channel: grpc.aio.Channel, author: uuid.UUID, stop: asyncio.Event) -> int:
    """Lists, searches and counts the watched author's posts until stopped; every answer must
    be whole (a half-built table would show fewer). Returns how many rounds were made."""
    reader, rounds = Reader(channel, actor=author), 0
    while not stop.is_set():
        listed = await reader.list_page(author_id=str(author), page_size=100)
        tagged = await reader.list_page(tag="watched", page_size=100)
        found = await reader.search(WORD, page_size=100)
        stats = await reader.stats(author)
        assert len(listed.posts) == len(tagged.posts) == len(found.posts) == WATCHED_POSTS
        assert (stats.post_count, stats.published_count) == (WATCHED_POSTS, WATCHED_POSTS)
        rounds += 1
    return rounds


async def test_a_rebuild_under_traffic_loses_nothing_and_queries_never_see_a_half_built_table(
    loaded, cli, start_service, channel_to
):
    service = await start_service(loaded, frozenset({"serve", "relay", "projector"}))
    channel = channel_to(service)
    author = await watched_author(channel)
    await wait_until_projected(loaded, within_s=60)

    stop = asyncio.Event()
    commands = CommandStream(channel)
    traffic = asyncio.create_task(commands.run(stop))
    queries = asyncio.create_task(query_while(channel, author.actor, stop))
    # Small chunks: the rebuild runs for a while, through many commits of commands.
    rebuilt = await cli.run("rebuild", "--chunk-events", "400")
    stop.set()
    await traffic
    rounds = await queries

    assert rebuilt.returncode == 0, rebuilt.stderr
    assert commands.commands > 50
    assert rounds > 5
    await wait_until_projected(loaded, within_s=60)
    verified = await cli.run("verify", "--wait", "30")
    assert verified.returncode == 0, verified.stdout + verified.stderr


async def test_verify_while_commands_keep_arriving_finds_no_difference(
    loaded, cli, start_service, channel_to
):
    service = await start_service(loaded, frozenset({"serve", "relay", "projector"}))
    channel = channel_to(service)
    await wait_until_projected(loaded, within_s=60)

    stop = asyncio.Event()
    commands = CommandStream(channel, seed=11)
    traffic = asyncio.create_task(commands.run(stop))
    verified = await cli.run("verify", "--wait", "30", "--chunk-events", "500")
    stop.set()
    await traffic

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "every event up to it applied" in verified.stdout
    assert commands.commands > 20


async def test_status_reports_a_stopped_projector_as_stalled(loaded, cli, start_service):
    await start_service(loaded, frozenset({"relay"}))
    projector = Service(loaded, frozenset({"projector"}))
    await projector.start()
    try:
        await wait_until_projected(loaded, within_s=60)
        healthy = await cli.run("status", "--stalled-after", "1")
        assert healthy.returncode == 0, healthy.stdout
        assert "nothing stalled" in healthy.stdout
    finally:
        await projector.stop()

    await load_histories(loaded.database_url, 300, seed=8)
    await relay_published_everything(loaded)
    await asyncio.sleep(1.5)  # longer than --stalled-after: the new records have waited

    stalled = await cli.run("status", "--json", "--stalled-after", "1")
    assert stalled.returncode == 1, stalled.stdout
    status = json.loads(stalled.stdout)
    lagging = [p for p in status["partitions"] if p["behind"]]
    assert lagging
    assert all(p["stalled"] for p in lagging)
    assert status["relay"]["stalled"] is False
    assert any(problem.startswith("projector partition") for problem in status["problems"])
    table = await cli.run("status", "--stalled-after", "1")
    assert table.returncode == 1
    assert "STALLED" in table.stdout


async def relay_published_everything(settings: Settings) -> None:
    engine = make_engine(settings.database_url, pool_size=1)
    newest = sa.select(sa.func.max(events.c.position))
    try:
        async with asyncio.timeout(30):
            while True:
                async with engine.connect() as conn:
                    head = await conn.scalar(newest)
                relay = await relay_progress(engine, settings.events_topic)
                if relay is not None and relay.position >= (head or 0):
                    return
                await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
