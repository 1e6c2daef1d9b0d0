"""Shared pieces of the benchmarks: a private database, a server process, a load loop.

The server runs in a process of its own (as in production); the load generator is this
process. Both use the `bench` instance of the local services (scripts/services.sh).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

REPO = Path(__file__).resolve().parents[1]
PG_PORT = 54340
KAFKA = "127.0.0.1:39092"
TOKEN = "bench-token"  # noqa: S105 - a local benchmark's throwaway token
AUTH = [("authorization", f"Bearer {TOKEN}")]


def services_up() -> None:
    subprocess.run([str(REPO / "scripts/services.sh"), "up", "bench"], check=True)


def db_url(name: str) -> str:
    return f"postgresql+asyncpg://post_service:post_service@127.0.0.1:{PG_PORT}/{name}"


async def fresh_database() -> str:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(
        f"postgresql://post_service:post_service@127.0.0.1:{PG_PORT}/postgres"
    )
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    env = {**os.environ, "POST_SERVICE_DATABASE_URL": db_url(name)}
    command = [str(REPO / ".venv/bin/post-service"), "migrate"]
    await asyncio.to_thread(subprocess.run, command, env=env, check=True, cwd=REPO)
    return name


@contextmanager
def server_process(
    database: str, port: int, parts: str = "serve"
) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "POST_SERVICE_DATABASE_URL": db_url(database),
        "POST_SERVICE_KAFKA_BOOTSTRAP_SERVERS": KAFKA,
        "POST_SERVICE_GRPC_ADDRESS": f"127.0.0.1:{port}",
        "POST_SERVICE_AUTH_TOKENS": f"bench:{TOKEN}",
        "POST_SERVICE_PAGE_TOKEN_SECRET": "bench-secret",
        "POST_SERVICE_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen([str(REPO / ".venv/bin/post-service"), parts], env=env, cwd=REPO)
    try:
        asyncio.run(_wait_serving(port))
        yield process
    finally:
        process.terminate()
        process.wait(30)


async def _wait_serving(port: int, within_s: float = 30) -> None:
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
            await asyncio.sleep(0.2)
    sys.exit(f"server on port {port} did not become SERVING")


@dataclass(frozen=True)
class LoadResult:
    calls: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        return statistics.quantiles(self.latencies_ms, n=1000, method="inclusive")[int(p * 10) - 1]

    def summary(self) -> dict[str, float]:
        return {
            "calls": self.calls,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.per_second, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
        }


async def run_load(
    call: Callable[[], Awaitable[object]], callers: int, duration_s: float, warmup_s: float
) -> LoadResult:
    """`callers` concurrent loops calling `call` back to back; the warm-up is not counted."""
    latencies: list[float] = []
    start = time.monotonic()
    measure_from = start + warmup_s
    stop_at = measure_from + duration_s

    async def loop() -> None:
        while (now := time.monotonic()) < stop_at:
            await call()
            if now >= measure_from:
                latencies.append((time.monotonic() - now) * 1000)

    await asyncio.gather(*(loop() for _ in range(callers)))
    return LoadResult(len(latencies), duration_s, latencies)
