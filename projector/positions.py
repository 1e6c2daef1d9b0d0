"""Where each assigned partition is read from: its checkpoint in the read database.

aiokafka calls the listener from its group coordinator and only logs an exception raised there,
then goes on reading from Kafka's committed offsets, which are informational here and may be
ahead of the read database (a read database restored or recreated). So the listener does not
read the database itself: it pauses the new partitions, and the consume loop seeks them to
their checkpoints (`seek_pending`, retried like a batch) before it fetches again.
"""

from __future__ import annotations

import logging

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine

from projector.checkpoints import load_checkpoints

log = logging.getLogger(__name__)


class SeekToCheckpoints(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped
    def __init__(self, consumer: AIOKafkaConsumer, engine: AsyncEngine, topic: str) -> None:
        self._consumer = consumer
        self._engine = engine
        self._topic = topic
        self._pending: set[TopicPartition] = set()

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        # Nothing to flush: every batch wrote its checkpoint in its own transaction, and a
        # batch still in flight for a revoked partition is fenced by the checkpoint row lock.
        self._pending -= set(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info(
            "projector: assigned partitions %s of %s",
            ",".join(str(tp.partition) for tp in sorted(assigned)) or "none",
            self._topic,
        )
        self._consumer.pause(*assigned)
        self._pending |= set(assigned)

    async def seek_pending(self) -> None:
        """Seeks newly assigned partitions to their checkpoints (0 = the beginning when none;
        auto_offset_reset=earliest covers a beginning that retention moved) and resumes them.
        A checkpoint read just before another rebalance can only be behind, never ahead: the
        records it re-reads are dropped by the batch's fence."""
        if not self._pending:
            return
        todo = set(self._pending)
        stored = await load_checkpoints(self._engine, self._topic, [tp.partition for tp in todo])
        ready = todo & self._consumer.assignment()
        for tp in ready:
            self._consumer.seek(tp, stored.get(tp.partition, 0))
        self._consumer.resume(*ready)
        self._pending -= todo
