"""`read_side.operations.TopicOffsets` on Kafka: a consumer that joins no group (it must not
take partitions from the projectors) and only reads offsets and the odd record's timestamp, and
an admin client for the topic's partitions (a consumer's metadata only learns of the topics it
subscribes to)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

# A broker that does not answer fails the command within seconds, not minutes.
REQUEST_TIMEOUT_MS = 5_000


class KafkaTopicOffsets:
    def __init__(self, bootstrap_servers: str, record_wait_s: float = 2.0) -> None:
        self._bootstrap = bootstrap_servers
        self._record_wait_s = record_wait_s
        self._consumer: AIOKafkaConsumer | None = None
        self._admin: AIOKafkaAdminClient | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._admin is not None:
            await self._admin.close()

    async def end_offsets(self, topic: str) -> dict[int, int]:
        """Empty while the topic does not exist (the relay creates it)."""
        partitions = await self._partitions(topic)
        if not partitions:
            return {}
        consumer = await self._started()
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return {tp.partition: int(offset) for tp, offset in ends.items()}

    async def _partitions(self, topic: str) -> list[int]:
        if self._admin is None:
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self._bootstrap, request_timeout_ms=REQUEST_TIMEOUT_MS
            )
            await admin.start()
            self._admin = admin
        [described] = await self._admin.describe_topics([topic])
        return sorted(p["partition"] for p in described.get("partitions") or ())

    async def record_times(self, topic: str, offsets: dict[int, int]) -> dict[int, datetime]:
        if not offsets:
            return {}
        consumer = await self._started()
        wanted = {TopicPartition(topic, p): offset for p, offset in offsets.items()}
        consumer.assign(list(wanted))
        for tp, offset in wanted.items():
            consumer.seek(tp, offset)
        found: dict[int, datetime] = {}
        try:
            async with asyncio.timeout(self._record_wait_s):
                while len(found) < len(wanted):
                    batches = await consumer.getmany(timeout_ms=200, max_records=len(wanted))
                    for tp, records in batches.items():
                        if records and tp.partition not in found:
                            found[tp.partition] = _time(records[0].timestamp)
                            consumer.pause(tp)
        except TimeoutError:
            pass  # a record retention removed, or a slow broker: left out
        return found

    async def _started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap,
                group_id=None,
                enable_auto_commit=False,
                request_timeout_ms=REQUEST_TIMEOUT_MS,
                auto_offset_reset="earliest",
            )
            await consumer.start()
            self._consumer = consumer
        return self._consumer


def _time(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)
