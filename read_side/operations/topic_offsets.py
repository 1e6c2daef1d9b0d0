"""What verify and status need from Kafka, as an interface: the composition root implements it
with an aiokafka consumer that joins no group (read_side/adapters/kafka_offsets.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class TopicOffsets(Protocol):
    async def end_offsets(self, topic: str) -> dict[int, int]:
        """Per partition, the offset the next record will get. Raises if Kafka can't tell."""
        ...

    async def record_times(self, topic: str, offsets: dict[int, int]) -> dict[int, datetime]:
        """Per partition, when the record at the given offset was written (partitions whose
        record could not be read within a short wait are left out)."""
        ...
