"""The projector's health (`projector` in grpc.health.v1, never the overall status): SERVING
while consuming, NOT_SERVING while the broker or the read database fails it. Logs changes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from edges.kafka.consumer_health import ConsumerHealth
from projector.config import HealthReporter

HEALTH_NAME = "projector"


class ProjectorHealth(ConsumerHealth):
    def __init__(self, reporter: HealthReporter, read_engine: AsyncEngine, every_s: float) -> None:
        super().__init__(HEALTH_NAME, reporter, read_engine, every_s)
