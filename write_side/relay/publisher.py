"""Publishes a batch to Kafka and returns only when the broker acknowledged every message.

An idempotent producer with acks=all: a retried send is never written twice by one producer,
and an ack means every in-sync replica has the message. Messages are grouped by partition
(the same murmur2 partitioner as aiokafka's and Java's default, so a post's key lands where
any other producer would put it) and each partition gets a chain of record batches, sent one
at a time: a record batch is written whole or not at all, and the next one leaves only after
the previous one was acknowledged. So a failure is never overtaken by a later message of the
same partition, which is what keeps first occurrences in version order (see __init__).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any, Protocol, Self

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

log = logging.getLogger(__name__)

# Half a MiB per record batch: well under the broker's default message.max.bytes (1 MiB), and
# big enough that a backlog drains in few round trips. The largest allowed post fits in one.
MAX_BATCH_BYTES = 512 * 1024
# How long closing waits for acks still in flight before abandoning them.
CLOSE_GRACE_S = 2.0


class OutgoingMessage(Protocol):
    """What gets sent: our events (event_contract.cloudevents.KafkaMessage), or a consumed
    message as it came, possibly without a key or a value (users-consumer's dead letters)."""

    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


class PublishError(Exception):
    """The broker did not acknowledge every message: republish from the checkpoint."""


class KafkaPublisher:
    def __init__(self, bootstrap_servers: str, topic: str, ack_timeout_s: float) -> None:
        self._topic = topic
        self._ack_timeout_s = ack_timeout_s
        self._partitioner = DefaultPartitioner()
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            enable_idempotence=True,
            acks="all",
            max_batch_size=MAX_BATCH_BYTES,
            request_timeout_ms=int(ack_timeout_s * 1000),
        )

    async def __aenter__(self) -> Self:
        try:
            async with asyncio.timeout(self._ack_timeout_s):
                await self._producer.start()
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        try:
            async with asyncio.timeout(self._ack_timeout_s):
                chains = await self._by_partition(messages)
                async with asyncio.TaskGroup() as group:
                    for partition, chain in chains.items():
                        group.create_task(self._send_in_order(partition, chain))
        except TimeoutError as error:
            raise PublishError(f"no acks within {self._ack_timeout_s} s") from error
        except ExceptionGroup as group:
            raise PublishError(f"a batch failed: {group.exceptions[0]!r}") from group

    async def _by_partition(
        self, messages: Sequence[OutgoingMessage]
    ) -> dict[int, list[OutgoingMessage]]:
        partitions = sorted(await self._producer.partitions_for(self._topic))
        chains: dict[int, list[OutgoingMessage]] = defaultdict(list)
        for message in messages:  # in position order, so each chain is too
            chains[self._partitioner(message.key, partitions, partitions)].append(message)
        return chains

    async def _send_in_order(self, partition: int, messages: list[OutgoingMessage]) -> None:
        for batch in self._record_batches(messages):
            ack = await self._producer.send_batch(batch, self._topic, partition=partition)
            await ack

    def _record_batches(self, messages: list[OutgoingMessage]) -> Iterator[Any]:
        # Lazy: the next batch is built only after the previous one was acknowledged.
        batch = self._producer.create_batch()
        for message in messages:
            if not _append(batch, message):
                yield batch
                batch = self._producer.create_batch()
                _append(batch, message)  # the first message always fits, whatever its size
        yield batch

    async def _close(self) -> None:
        """Waits briefly for acks still in flight; if the broker does not answer, abandons."""
        try:
            async with asyncio.timeout(CLOSE_GRACE_S):
                await self._producer.flush()
        except TimeoutError:
            await self._abandon()
        else:
            await self._producer.stop()

    async def _abandon(self) -> None:
        # aiokafka has no abort, and an idempotent producer retries unacknowledged batches
        # forever: stop() would wait for a broker that is gone. Stop its sender and drop its
        # connections instead; the batches die with it, unresolved and awaited by no one, and
        # the relay republishes them from its checkpoint. (Failing them with fail_all instead
        # races the running sender and leaves futures whose exceptions nobody retrieves.)
        producer = self._producer
        producer._closed = True  # noqa: SLF001 - what stop() sets first
        try:
            async with asyncio.timeout(CLOSE_GRACE_S):
                await producer._sender.close()  # noqa: SLF001
        except Exception:
            log.warning("the Kafka producer's sender did not stop cleanly", exc_info=True)
        await producer.client.close()


def _append(batch: Any, message: OutgoingMessage) -> bool:
    metadata = batch.append(
        key=message.key, value=message.value, timestamp=None, headers=list(message.headers)
    )
    return metadata is not None
