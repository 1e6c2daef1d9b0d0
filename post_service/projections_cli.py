"""`post-service projections rebuild | status | verify`: the parsers, and the composition of
each command (engines, Kafka client, progress display), built when the command runs.

The work itself is the read side's (read_side/operations). Exit codes: 0 fine; 1 a failure,
a difference (verify), a stalled part (status) or a refused rebuild; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from edges.hold_points import HoldPoints
from post_service.bootstrap import make_engine
from post_service.progress_display import ProgressDisplay
from post_service.projections_output import (
    rebuild_summary,
    status_json,
    status_table,
    verify_summary,
)
from post_service.settings import Settings
from read_side.adapters.event_source import StoreEvents
from read_side.adapters.kafka_offsets import KafkaTopicOffsets
from read_side.operations.consistent_point import PipelineProgress
from read_side.operations.copies import READ_TABLES
from read_side.operations.rebuild import Rebuild, RebuildOptions
from read_side.operations.rebuild_lock import RebuildRunningError
from read_side.operations.status import StatusSources
from read_side.operations.verify import Verify, VerifyOptions

log = logging.getLogger("post_service")

INTERRUPTED = 130
_AFTER_INTERRUPT = {
    "rebuild": "rebuild interrupted: the live tables are as they were; shadow tables dropped",
    "verify": "verify interrupted: scratch tables dropped",
    "status": "status interrupted",
}


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "projections", help="rebuild, verify and inspect the read model's projections"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    rebuild = actions.add_parser(
        "rebuild",
        help="replay the event store into the read tables (queries and projector go on)",
        description="Replays the PostgreSQL event store (never Kafka) into shadow tables and"
        " swaps them in, pausing the projector only for the last events. Ctrl-C leaves the"
        " live tables as they were. One rebuild at a time.",
    )
    rebuild.add_argument(
        "table", nargs="?", choices=READ_TABLES, help="rebuild only this table (default: all)"
    )
    rebuild.add_argument("--chunk-events", type=int, default=20_000, help="events per transaction")
    status = actions.add_parser(
        "status",
        help="how far the store, relay and projector are; exit 1 if a part is stalled",
        description="Event-store head, the relay's published position, the projection's"
        " applied position and Kafka lag per partition, and the time since each moved.",
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument(
        "--stalled-after",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="a part with work waiting this long and no progress for as long is stalled"
        " (default 60)",
    )
    verify = actions.add_parser(
        "verify",
        help="compare the read tables with a fold of the event store; exit 1 on a difference",
        description="Folds the event store into scratch tables and compares them with the live"
        " read tables row by row at a consistent point (the projector may keep running).",
    )
    verify.add_argument(
        "--wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for the projector to apply the store's head (default 60)",
    )
    verify.add_argument("--chunk-events", type=int, default=20_000, help="events per transaction")


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        return asyncio.run(_run(args, settings))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print(_AFTER_INTERRUPT[args.action], file=sys.stderr)  # noqa: T201
        return INTERRUPTED


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    # SIGTERM (a stopped job) cleans up like Ctrl-C: the main task is cancelled.
    task = asyncio.current_task()
    if task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    async with _parts(settings) as parts:
        if args.action == "rebuild":
            return await _rebuild(parts, args)
        if args.action == "status":
            return await _status(parts, args)
        return await _verify(parts, args)


@dataclass(frozen=True, slots=True)
class _Parts:
    settings: Settings
    write: AsyncEngine
    read: AsyncEngine
    offsets: KafkaTopicOffsets


@contextlib.asynccontextmanager
async def _parts(settings: Settings) -> AsyncIterator[_Parts]:
    # No statement timeout: building a GIN index on a big table may rightly take minutes.
    write = make_engine(settings.database_url, pool_size=4, command_timeout_s=None)
    read_url = settings.effective_read_database_url
    read = (
        write
        if read_url == settings.database_url
        else make_engine(read_url, pool_size=4, command_timeout_s=None)
    )
    try:
        async with KafkaTopicOffsets(settings.kafka_bootstrap_servers) as offsets:
            yield _Parts(settings, write, read, offsets)
    finally:
        if read is not write:
            await read.dispose()
        await write.dispose()


async def _rebuild(parts: _Parts, args: argparse.Namespace) -> int:
    options = RebuildOptions(
        tables=(args.table,) if args.table else READ_TABLES,
        search_config=parts.settings.search_config,
        chunk_events=args.chunk_events,
    )
    display = ProgressDisplay("rebuild")
    try:
        holds = HoldPoints(parts.settings.hold_at)
        rebuild = Rebuild(StoreEvents(parts.write), parts.read, options, display, holds)
        report = await rebuild.run()
    except RebuildRunningError as refused:
        print(f"rebuild refused: {refused}", file=sys.stderr)  # noqa: T201
        return 1
    finally:
        display.close()
    print(rebuild_summary(report))  # noqa: T201
    return 0


async def _status(parts: _Parts, args: argparse.Namespace) -> int:
    sources = StatusSources(parts.write, parts.read, parts.offsets, parts.settings.events_topic)
    status = await sources.status(args.stalled_after)
    print(status_json(status) if args.json else status_table(status))  # noqa: T201
    return 0 if status.healthy else 1


async def _verify(parts: _Parts, args: argparse.Namespace) -> int:
    s = parts.settings
    pipeline = PipelineProgress(parts.write, parts.read, parts.offsets, s.events_topic)
    options = VerifyOptions(
        search_config=s.search_config, chunk_events=args.chunk_events, wait_s=args.wait
    )
    display = ProgressDisplay("verify")
    try:
        report = await Verify(
            StoreEvents(parts.write), parts.read, pipeline, options, display
        ).run()
    finally:
        display.close()
    print(verify_summary(report))  # noqa: T201
    return 1 if report.differences else 0
