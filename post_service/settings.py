"""Settings: environment variables prefixed POST_SERVICE_, with `.env` loaded.

Every setting is listed with its format and default in `.env.example`. Defaults point at the
local services that `make run` starts; secrets (tokens, the page-token key) have no default, so
a deployment that forgets them refuses to start instead of running with a known secret.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOCAL_DATABASE_URL = "postgresql+asyncpg://post_service:post_service@127.0.0.1:54320/post_service"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="POST_SERVICE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = LOCAL_DATABASE_URL
    # The read tables may live in a database of their own; empty means the write database.
    read_database_url: str = ""
    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    events_topic: str = "posts.events.v1"
    events_partitions: int = Field(default=12, ge=1)
    # Relay (write_side/relay): events per read-and-publish round; the longest it sleeps without
    # a NOTIFY (so a lost notification costs at most this much latency); how often a standby
    # tries to take over; how long a round may wait for the broker's acks before it counts as
    # failed and is republished; the cap of its back-off while Kafka or PostgreSQL is down.
    relay_batch_size: int = Field(default=500, ge=1)
    relay_poll_interval_s: float = Field(default=0.5, gt=0, le=0.5)
    relay_standby_retry_s: float = Field(default=1.0, gt=0)
    relay_ack_timeout_s: float = Field(default=30.0, gt=0)
    relay_backoff_max_s: float = Field(default=10.0, gt=0)
    # Projector (projector/): its Kafka consumer group (projectors in one group share the
    # partitions); the most records one batch (one read-database transaction) takes; how long a
    # poll waits for records before returning empty; the cap of its back-off while the read
    # database or the broker fails it.
    projector_group_id: str = "post-service-projector"
    projector_batch_size: int = Field(default=500, ge=1)
    projector_max_wait_ms: int = Field(default=500, ge=1)
    projector_backoff_max_s: float = Field(default=10.0, gt=0)
    users_topic: str = "users.events.v1"
    # Users consumer (write_side/entrypoints/users_consumer): its Kafka consumer group (consumers
    # in one group share the partitions); how many times a message is tried before it goes to
    # `<USERS_TOPIC>.dlq` (1 = no retry); the cap of the back-off between those attempts and
    # while Kafka or PostgreSQL is down. The defaults wait 16-33 s in all before giving up.
    users_consumer_group_id: str = "post-service-users-consumer"
    users_consumer_max_attempts: int = Field(default=10, ge=1)
    users_consumer_backoff_max_s: float = Field(default=10.0, gt=0)
    grpc_address: str = "127.0.0.1:50051"
    # "caller:token" pairs, comma-separated. The caller's name goes into logs and event metadata.
    auth_tokens: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    # When set, clients must present a certificate signed by this CA (mTLS).
    tls_client_ca_file: Path | None = None
    page_token_secret: SecretStr = SecretStr("")
    snapshot_every: int = Field(default=20, ge=1)
    idempotency_retention: timedelta = timedelta(hours=24)
    min_version_wait_ms: int = Field(default=2000, ge=0)
    # How often a GetPost waiting for min_version re-checks without a wake-up from the read
    # model's NOTIFY: only matters when a notification was lost (its listener reconnecting).
    min_version_recheck_ms: int = Field(default=250, ge=10)
    command_conflict_retries: int = Field(default=5, ge=0)
    title_max_length: int = Field(default=300, ge=1)
    body_max_length: int = Field(default=100_000, ge=1)
    tags_max_count: int = Field(default=20, ge=1)
    tag_max_length: int = Field(default=64, ge=1)
    search_config: str = "simple"
    health_check_interval_s: float = Field(default=2.0, gt=0)
    shutdown_grace_s: float = Field(default=10.0, ge=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    # For tests and fault drills: a phase at which the process stops until SIGUSR1
    # (edges/hold_points.py); empty holds nowhere.
    hold_at: str = ""

    @field_validator("auth_tokens", mode="before")
    @classmethod
    def _parse_auth_tokens(cls, raw: object) -> object:
        """Turns "gateway:tok1,feed:tok2" into {token: caller}: lookups go by token."""
        if not isinstance(raw, str):
            return raw
        tokens: dict[str, str] = {}
        for pair in filter(None, (p.strip() for p in raw.split(","))):
            caller, sep, token = pair.partition(":")
            if not sep or not caller.strip() or not token.strip():
                raise ValueError(f"AUTH_TOKENS entry {caller.strip()!r}: expected caller:token")
            tokens[token.strip()] = caller.strip()
        return tokens

    @property
    def effective_read_database_url(self) -> str:
        return self.read_database_url or self.database_url
