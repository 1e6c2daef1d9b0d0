"""`post-service`: the one command line of the service (DESIGN.md, "Command line")."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from edges.logs import configure_logging
from post_service import projections_cli
from post_service.bootstrap import Service
from post_service.settings import Settings

log = logging.getLogger("post_service")

PROCESSES = {
    "serve": ("gRPC server: commands, queries, events, health, reflection", {"serve"}),
    "relay": ("publishes committed events to Kafka (one active relay at a time)", {"relay"}),
    "projector": ("projects the events on Kafka into the read tables", {"projector"}),
    "users-consumer": (
        "deletes the posts of users deleted by the users service (users.events.v1)",
        {"users-consumer"},
    ),
    "run": (
        "every process of the service in one",
        {"serve", "relay", "projector", "users-consumer"},
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="post-service",
        description="Event-sourced post store. Settings come from POST_SERVICE_* variables "
        "and .env (see .env.example).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("migrate", help="apply database migrations (alembic upgrade head)")
    for name, (help_text, _) in PROCESSES.items():
        sub.add_parser(name, help=help_text)
    health = sub.add_parser("healthcheck", help="exit 0 if the server's health check is SERVING")
    health.add_argument("--service", default="", help="service name to check (default: overall)")
    projections_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "migrate":
        migrate(settings)
    elif args.command == "healthcheck":
        sys.exit(healthcheck(settings, args.service))
    elif args.command == "projections":
        sys.exit(projections_cli.run(args, settings))
    else:
        sys.exit(asyncio.run(run_processes(settings, frozenset(PROCESSES[args.command][1]))))


def migrate(settings: Settings, url: str | None = None, read_url: str | None = None) -> None:
    """Both Alembic histories: the write side into DATABASE_URL, the read side into
    READ_DATABASE_URL (the same database unless set). `url` overrides both, for tests."""
    from alembic import command  # noqa: PLC0415 - only this command needs Alembic
    from alembic.config import Config  # noqa: PLC0415

    targets = {
        "write": url or settings.database_url,
        "read": read_url or url or settings.effective_read_database_url,
    }
    for side, target in targets.items():
        config = Config(str(_alembic_ini()), ini_section="alembic" if side == "write" else side)
        config.cmd_opts = argparse.Namespace(x=[f"url={target}"])
        command.upgrade(config, "head")


def _alembic_ini() -> Path:
    """alembic.ini in the working directory (the image's /app), else beside the sources."""
    for candidate in (Path.cwd() / "alembic.ini", Path(__file__).parents[1] / "alembic.ini"):
        if candidate.is_file():
            return candidate
    raise SystemExit("alembic.ini not found in the working directory or beside the sources")


async def run_processes(settings: Settings, parts: frozenset[str]) -> int:
    service = Service(settings, parts)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await service.start()
    failure = asyncio.create_task(service.wait())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({failure, stopping}, return_when=asyncio.FIRST_COMPLETED)
    failed = failure.done() and failure.exception() is not None
    # Stop watching before stopping: the parts we cancel now are not failures.
    failure.cancel()
    stopping.cancel()
    log.info("shutting down")
    await service.stop()
    if failed:
        log.error("a part of the service failed", exc_info=failure.exception())
        return 1
    return 0


def healthcheck(settings: Settings, service: str) -> int:
    import grpc  # noqa: PLC0415
    from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: PLC0415

    host, _, port = settings.grpc_address.rpartition(":")
    target = f"{'127.0.0.1' if host in {'0.0.0.0', '[::]', ''} else host}:{port}"  # noqa: S104
    with grpc.insecure_channel(target) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=3
            )
        except grpc.RpcError as exc:
            print(f"health check failed: {exc.code().name}", file=sys.stderr)  # noqa: T201
            return 1
    serving = reply.status == health_pb2.HealthCheckResponse.SERVING
    print(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))  # noqa: T201
    return 0 if serving else 1
