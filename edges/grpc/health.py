"""grpc.health.v1: the overall status and the posts.v1 services follow PostgreSQL only.

Commands keep working while Kafka is down, so Kafka never turns the service NOT_SERVING; the
parts that need Kafka (relay, projector, users-consumer) report under names of their own.
"""

from __future__ import annotations

import asyncio
import logging

from grpc_health.v1 import health_pb2
from grpc_health.v1._async import HealthServicer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING

DATABASE_FOLLOWERS = (
    "",
    "posts.v1.PostCommandService",
    "posts.v1.PostQueryService",
    "posts.v1.PostEventService",
)


class HealthBoard:
    """The one place components report their health; wraps the standard servicer."""

    def __init__(self) -> None:
        self.servicer = HealthServicer()
        self._shutting_down = False

    async def report(self, name: str, *, serving: bool) -> None:
        if self._shutting_down:
            return
        await self.servicer.set(name, SERVING if serving else NOT_SERVING)

    async def report_database(self, *, serving: bool) -> None:
        for name in DATABASE_FOLLOWERS:
            await self.report(name, serving=serving)

    async def shut_down(self) -> None:
        """Every service goes NOT_SERVING and stays so: balancers stop routing before we stop."""
        self._shutting_down = True
        await self.servicer.enter_graceful_shutdown()


async def watch_database(
    engine: AsyncEngine, board: HealthBoard, interval_s: float, timeout_s: float = 2.0
) -> None:
    """Pings PostgreSQL forever and reports the result; logs only on changes."""
    was_up: bool | None = None
    while True:
        up = await _ping(engine, timeout_s)
        if up != was_up:
            log.log(logging.INFO if up else logging.WARNING, "database %s", "up" if up else "DOWN")
            was_up = up
        await board.report_database(serving=up)
        await asyncio.sleep(interval_s)


async def _ping(engine: AsyncEngine, timeout_s: float) -> bool:
    try:
        async with asyncio.timeout(timeout_s), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure to answer means not serving
        return False
    return True
