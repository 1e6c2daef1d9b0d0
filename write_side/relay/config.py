"""What the relay needs from the settings and from the health board, as narrow interfaces.

The relay is built by the composition root (post_service.bootstrap); it depends on these
protocols rather than on the settings class or the gRPC health board, so the write side does
not import the edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class RelaySettings(Protocol):
    @property
    def kafka_bootstrap_servers(self) -> str: ...
    @property
    def events_topic(self) -> str: ...
    @property
    def events_partitions(self) -> int: ...
    @property
    def relay_batch_size(self) -> int: ...
    @property
    def relay_poll_interval_s(self) -> float: ...
    @property
    def relay_standby_retry_s(self) -> float: ...
    @property
    def relay_ack_timeout_s(self) -> float: ...
    @property
    def relay_backoff_max_s(self) -> float: ...


class HealthReporter(Protocol):
    async def report(self, name: str, *, serving: bool) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayConfig:
    bootstrap_servers: str
    topic: str
    partitions: int
    batch_size: int = 500
    poll_interval_s: float = 0.5
    standby_retry_s: float = 1.0
    ack_timeout_s: float = 30.0
    backoff_max_s: float = 10.0
    # While events flow, the checkpoint is saved at most this often (and once they stop): it
    # is only where a restarted relay resumes, and delivery is at least once anyway. Saved
    # after every round, it was a durable commit and four round trips per round, which at a
    # few hundred commands/s cost the relay as much CPU as reading and publishing did.
    checkpoint_interval_s: float = 0.2

    @classmethod
    def from_settings(cls, settings: RelaySettings) -> RelayConfig:
        return cls(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topic=settings.events_topic,
            partitions=settings.events_partitions,
            batch_size=settings.relay_batch_size,
            poll_interval_s=settings.relay_poll_interval_s,
            standby_retry_s=settings.relay_standby_retry_s,
            ack_timeout_s=settings.relay_ack_timeout_s,
            backoff_max_s=settings.relay_backoff_max_s,
        )

    @property
    def checkpoint_name(self) -> str:
        # One checkpoint (and one leader lock) per topic: pointing the relay at a new topic
        # publishes the whole store to it, which is what a new topic needs.
        return self.topic
