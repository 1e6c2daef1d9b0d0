"""What the users consumer needs from the settings, as a narrow interface (like the relay's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class UsersConsumerSettings(Protocol):
    @property
    def kafka_bootstrap_servers(self) -> str: ...
    @property
    def users_topic(self) -> str: ...
    @property
    def users_consumer_group_id(self) -> str: ...
    @property
    def users_consumer_max_attempts(self) -> int: ...
    @property
    def users_consumer_backoff_max_s(self) -> float: ...
    @property
    def health_check_interval_s(self) -> float: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class UsersConsumerConfig:
    bootstrap_servers: str
    topic: str
    group_id: str
    max_attempts: int = 10
    backoff_max_s: float = 10.0
    # While idle, how often the broker and the database are probed for the health check.
    probe_interval_s: float = 2.0
    # How long a dead letter may wait for the broker's ack before the consumer restarts.
    ack_timeout_s: float = 30.0

    @classmethod
    def from_settings(cls, settings: UsersConsumerSettings) -> UsersConsumerConfig:
        return cls(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topic=settings.users_topic,
            group_id=settings.users_consumer_group_id,
            max_attempts=settings.users_consumer_max_attempts,
            backoff_max_s=settings.users_consumer_backoff_max_s,
            probe_interval_s=settings.health_check_interval_s,
        )

    @property
    def dlq_topic(self) -> str:
        # DESIGN.md: what a consumed topic's consumer cannot handle goes to `<topic>.dlq`.
        return f"{self.topic}.dlq"
