"""The health of a part that consumes Kafka into PostgreSQL (projector, users-consumer), under
its own name in grpc.health.v1, never the overall status: SERVING while consuming, NOT_SERVING
while the broker or its database fails it. Logs changes."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from aiokafka import AIOKafkaConsumer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from edges.kafka.clients import broker_answers

log = logging.getLogger(__name__)


class HealthReporter(Protocol):
    async def report(self, name: str, *, serving: bool) -> None: ...


class ConsumerHealth:
    def __init__(
        self, name: str, reporter: HealthReporter, engine: AsyncEngine, every_s: float
    ) -> None:
        self._name = name
        self._reporter = reporter
        self._engine = engine
        self._every_s = every_s
        self._serving: bool | None = None
        self._last_probe = float("-inf")

    async def report(self, *, serving: bool) -> None:
        if serving != self._serving:
            level = logging.INFO if serving else logging.WARNING
            log.log(level, "%s serving=%s", self._name, serving)
            self._serving = serving
        await self._reporter.report(self._name, serving=serving)

    async def probe_when_due(self, consumer: AIOKafkaConsumer) -> None:
        """While idle, every `every_s`: are the broker and the database reachable? A handled
        message proves both; no messages prove neither."""
        now = asyncio.get_running_loop().time()
        if now - self._last_probe < self._every_s:
            return
        self._last_probe = now
        timeout_s = max(self._every_s, 1.0)
        up = await broker_answers(consumer, timeout_s) and await self._database_answers(timeout_s)
        await self.report(serving=up)

    async def _database_answers(self, timeout_s: float) -> bool:
        try:
            async with asyncio.timeout(timeout_s), self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure to answer means not serving
            return False
        return True
