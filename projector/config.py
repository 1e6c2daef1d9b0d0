"""What the projector needs from the settings and the health board, as narrow interfaces.

The projector is built by the composition root (post_service.bootstrap); depending on these
protocols instead of the settings class or the gRPC health board keeps the edge out of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class ProjectorSettings(Protocol):
    @property
    def kafka_bootstrap_servers(self) -> str: ...
    @property
    def events_topic(self) -> str: ...
    @property
    def projector_group_id(self) -> str: ...
    @property
    def projector_batch_size(self) -> int: ...
    @property
    def projector_max_wait_ms(self) -> int: ...
    @property
    def projector_backoff_max_s(self) -> float: ...
    @property
    def search_config(self) -> str: ...
    @property
    def health_check_interval_s(self) -> float: ...


class HealthReporter(Protocol):
    async def report(self, name: str, *, serving: bool) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectorConfig:
    bootstrap_servers: str
    topic: str
    group_id: str
    batch_size: int = 500
    max_wait_ms: int = 500
    backoff_max_s: float = 10.0
    search_config: str = "simple"
    # While idle, how often the broker and the read database are probed for the health check.
    probe_interval_s: float = 2.0

    @classmethod
    def from_settings(cls, settings: ProjectorSettings) -> ProjectorConfig:
        return cls(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topic=settings.events_topic,
            group_id=settings.projector_group_id,
            batch_size=settings.projector_batch_size,
            max_wait_ms=settings.projector_max_wait_ms,
            backoff_max_s=settings.projector_backoff_max_s,
            search_config=settings.search_config,
            probe_interval_s=settings.health_check_interval_s,
        )
