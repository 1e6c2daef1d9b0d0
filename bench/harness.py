"""Shared pieces of the benchmarks: the bench services, a private database, service processes.

Every process of the service runs in a process of its own (as in production), and so does the
load generator (bench/load.py); this orchestrating process only starts, waits and reads. All
of it uses the `bench` instance of the local services (scripts/services.sh).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

REPO = Path(__file__).resolve().parents[1]
# Which local services (scripts/services.sh): `bench` by default; `test` for the smoke run in
# `make test` (its ports follow POST_SERVICE_TEST_*, as the suite's do). Other bench ports give
# a private instance, `bench-<port>`: a long writing transaction anywhere in a cluster holds
# back the commit horizon that the relay waits for, so someone else's work on a shared cluster
# shows up here as freshness tails.
_TEST = os.environ.get("POST_SERVICE_BENCH_INSTANCE") == "test"
_PORTS = ("POST_SERVICE_TEST_PG_PORT", "POST_SERVICE_TEST_KAFKA_PORT") if _TEST else (
    "POST_SERVICE_BENCH_PG_PORT", "POST_SERVICE_BENCH_KAFKA_PORT")  # fmt: skip
PG_PORT = int(os.environ.get(_PORTS[0], "54330" if _TEST else "54340"))
KAFKA_PORT = int(os.environ.get(_PORTS[1], "29092" if _TEST else "39092"))
if _TEST:
    INSTANCE = "test"
elif (PG_PORT, KAFKA_PORT) == (54340, 39092):
    INSTANCE = "bench"
else:
    INSTANCE = f"bench-{PG_PORT}"
KAFKA = f"127.0.0.1:{KAFKA_PORT}"
# The broker's JVM, found by its configuration file (its CPU is reported where it works).
KAFKA_CMDLINE = f"/{INSTANCE}/kafka/server.properties"
TOKEN = "bench-token"  # noqa: S105 - a local benchmark's throwaway token
AUTH = [("authorization", f"Bearer {TOKEN}")]
LOGS = REPO / "bench/results/logs"
ADMIN_DSN = f"postgresql://post_service:post_service@127.0.0.1:{PG_PORT}/postgres"


def _service_scripts(command: str) -> list[list[str]]:
    if INSTANCE in {"bench", "test"}:
        return [[str(REPO / "scripts/services.sh"), command, INSTANCE]]
    scripts = REPO / "scripts"
    return [
        [str(scripts / "pg.sh"), command, INSTANCE, str(PG_PORT)],
        [str(scripts / "kafka.sh"), command, INSTANCE, str(KAFKA_PORT), str(KAFKA_PORT + 1)],
    ]


def services_up() -> bool:
    """Starts PostgreSQL and Kafka unless they run; returns whether both already did."""
    status = [
        subprocess.run(command, capture_output=True, check=False)
        for command in _service_scripts("status")
    ]
    running = all(s.returncode == 0 and b"stopped" not in s.stdout for s in status)
    for command in _service_scripts("up"):
        subprocess.run(command, check=True)
    return running


def services_down() -> None:
    for command in _service_scripts("down"):
        subprocess.run(command, check=True)


def db_url(name: str) -> str:
    return f"postgresql+asyncpg://post_service:post_service@127.0.0.1:{PG_PORT}/{name}"


def dsn(name: str) -> str:
    """The same database for asyncpg itself."""
    return f"postgresql://post_service:post_service@127.0.0.1:{PG_PORT}/{name}"


async def fresh_database() -> str:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    env = {
        **os.environ,
        "POST_SERVICE_DATABASE_URL": db_url(name),
        "POST_SERVICE_LOG_LEVEL": "WARNING",
    }
    command = [str(REPO / ".venv/bin/post-service"), "migrate"]
    await asyncio.to_thread(
        subprocess.run, command, env=env, check=True, cwd=REPO, stdout=subprocess.DEVNULL
    )
    return name


async def drop_databases(names: list[str]) -> None:
    """Bench databases are throwaway; dropping them keeps the bench cluster's disk in check."""
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def service_env(database: str, **settings: str | int) -> dict[str, str]:
    """The service's environment against the bench instance; `settings` are POST_SERVICE_*
    names without the prefix, in lower case (`events_topic="..."`)."""
    env = {
        **os.environ,
        "POST_SERVICE_DATABASE_URL": db_url(database),
        "POST_SERVICE_KAFKA_BOOTSTRAP_SERVERS": KAFKA,
        "POST_SERVICE_AUTH_TOKENS": f"bench:{TOKEN}",
        "POST_SERVICE_PAGE_TOKEN_SECRET": "bench-secret",
        "POST_SERVICE_LOG_LEVEL": "WARNING",
    }
    env.update({f"POST_SERVICE_{k.upper()}": str(v) for k, v in settings.items()})
    return env


@contextmanager
def service_process(
    parts: str, env: Mapping[str, str], port: int | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """`post-service <parts>`; with a port, returns once its health check says SERVING.
    Its log (warnings and up) goes to bench/results/logs/<parts>.log, appended."""
    command = [str(REPO / ".venv/bin/post-service"), parts]
    LOGS.mkdir(parents=True, exist_ok=True)
    with (LOGS / f"{parts}.log").open("ab") as log:
        process = subprocess.Popen(command, env=dict(env), cwd=REPO, stderr=log)
    try:
        if port is not None:
            asyncio.run(wait_serving(port))
        yield process
    finally:
        process.terminate()
        process.wait(30)


@contextmanager
def server_process(
    database: str, port: int, parts: str = "serve", **settings: str | int
) -> Iterator[subprocess.Popen[bytes]]:
    env = service_env(database, grpc_address=f"127.0.0.1:{port}", **settings)
    with service_process(parts, env, port) as process:
        yield process


async def wait_serving(port: int, within_s: float = 30) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            await asyncio.sleep(0.1)
    sys.exit(f"server on port {port} did not become SERVING")
