"""Where the test PostgreSQL and Kafka are, and private instances for tests that stop them.

The shared instances are started by `make test` (scripts/services.sh up test); tests that
stop a database or a broker start their own through the same scripts, on free ports.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PG_PORT = int(os.environ.get("POST_SERVICE_TEST_PG_PORT", "54330"))
KAFKA_PORT = int(os.environ.get("POST_SERVICE_TEST_KAFKA_PORT", "29092"))
KAFKA_BOOTSTRAP = f"127.0.0.1:{KAFKA_PORT}"


def database_url(name: str, port: int = PG_PORT) -> str:
    return f"postgresql+asyncpg://post_service:post_service@127.0.0.1:{port}/{name}"


def asyncpg_dsn(name: str, port: int = PG_PORT) -> str:
    return f"postgresql://post_service:post_service@127.0.0.1:{port}/{name}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _script(*args: str) -> None:
    subprocess.run([str(REPO / "scripts" / args[0]), *args[1:]], check=True, timeout=180)


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, which it may stop and start at will."""

    port: int
    instance: str

    @classmethod
    def create(cls) -> PrivatePostgres:
        pg = cls(port=free_port(), instance=f"private-pg-{uuid.uuid4().hex[:8]}")
        pg.start()
        return pg

    def start(self) -> None:
        _script("pg.sh", "up", self.instance, str(self.port))

    def stop(self) -> None:
        _script("pg.sh", "down", self.instance, str(self.port))

    def destroy(self) -> None:
        _script("pg.sh", "destroy", self.instance, str(self.port))

    def url(self) -> str:
        return database_url("post_service", self.port)


@dataclass
class PrivateKafka:
    """A Kafka broker of the test's own, which it may stop and start at will."""

    port: int
    controller_port: int
    instance: str

    @classmethod
    def create(cls) -> PrivateKafka:
        kafka = cls(free_port(), free_port(), f"private-kafka-{uuid.uuid4().hex[:8]}")
        kafka.start()
        return kafka

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        _script("kafka.sh", "up", self.instance, str(self.port), str(self.controller_port))

    def stop(self) -> None:
        _script("kafka.sh", "down", self.instance, str(self.port), str(self.controller_port))

    def destroy(self) -> None:
        _script("kafka.sh", "destroy", self.instance, str(self.port), str(self.controller_port))
