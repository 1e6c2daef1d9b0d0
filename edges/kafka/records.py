"""What our consumers (the projector, the users consumer) read from a Kafka record: aiokafka's
ConsumerRecord fits this protocol, and so does a test's hand-made record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Record(Protocol):
    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


def where(record: Record) -> str:
    """topic/partition/offset, for logs and errors."""
    return f"{record.topic}/{record.partition}/{record.offset}"
