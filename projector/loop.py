"""The projector's loop: poll a batch, apply it (retrying, never skipping), tell Kafka, repeat.

Every failure but one is retried: a batch that fails is retried whole, with back-off, and the
consumer does not move past it; a consumer that fails is rebuilt and starts again from the
checkpoints. The exception is a record that is not ours (decoding.NotOurEventError): the
projector halts, NOT_SERVING, and leaves it to an operator.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer
from sqlalchemy.ext.asyncio import AsyncEngine

from edges.backoff import Backoff
from edges.kafka.clients import wait_for_topic
from edges.kafka.records import Record
from projector.batch import BatchApplier, BatchResult
from projector.config import HealthReporter, ProjectorConfig
from projector.decoding import NotOurEventError
from projector.health import ProjectorHealth
from projector.kafka import BackgroundOffsetCommits, make_consumer
from projector.positions import SeekToCheckpoints
from projector.store import EventStoreReader
from read_side.adapters.projection import ProjectionWriter

log = logging.getLogger(__name__)


class Projector:
    def __init__(
        self,
        config: ProjectorConfig,
        read_engine: AsyncEngine,
        write_engine: AsyncEngine,
        health: HealthReporter,
    ) -> None:
        self._config = config
        self._read_engine = read_engine
        self._health = ProjectorHealth(health, read_engine, config.probe_interval_s)
        writer = ProjectionWriter(config.search_config)
        store = EventStoreReader(write_engine)
        self._applier = BatchApplier(config.topic, read_engine, store, writer)
        self._backoff = Backoff(config.backoff_max_s)

    async def run(self) -> None:
        """Runs until cancelled."""
        await self._health.report(serving=False)
        while True:
            try:
                await self._consume()
            except NotOurEventError as error:
                await self._halt(error)
            except Exception:  # the projector must outlive any outage
                log.warning("projector: consumer failed; restarting it", exc_info=True)
                await self._health.report(serving=False)
                await self._backoff.sleep()

    async def _consume(self) -> None:
        consumer = make_consumer(self._config)
        commits = BackgroundOffsetCommits(consumer, self._config.topic)
        try:
            await consumer.start()
            await wait_for_topic(consumer, self._config.topic, self._config.probe_interval_s)
            seeker = SeekToCheckpoints(consumer, self._read_engine, self._config.topic)
            consumer.subscribe([self._config.topic], listener=seeker)
            log.info("projector: consuming %s as %s", self._config.topic, self._config.group_id)
            while True:
                await self._retrying(seeker.seek_pending)
                await self._step(consumer, commits)
        finally:
            await commits.abandon()
            await consumer.stop()

    async def _step(self, consumer: AIOKafkaConsumer, commits: BackgroundOffsetCommits) -> None:
        c = self._config
        batches = await consumer.getmany(timeout_ms=c.max_wait_ms, max_records=c.batch_size)
        records: list[Record] = [r for batch in batches.values() for r in batch]
        if not records:
            await self._health.probe_when_due(consumer)
            return
        result = await self._retrying(lambda: self._applier.apply(records))
        await commits.commit(result.next_offsets)
        _log_batch(records, result)
        await self._health.report(serving=True)

    async def _retrying[T](self, step: Callable[[], Awaitable[T]]) -> T:
        """Database errors (and anything else but a record that is not ours) are retried with
        back-off, the same batch again: never skipped, the checkpoint never moved past it."""
        while True:
            try:
                result = await step()
            except NotOurEventError:
                raise
            except Exception:
                log.warning("projector: batch failed; retrying it", exc_info=True)
                await self._health.report(serving=False)
                await self._backoff.sleep()
            else:
                self._backoff.reset()
                return result

    async def _halt(self, error: NotOurEventError) -> None:
        """Stays down (the consumer has left the group): see the README for the way out."""
        log.error(
            "projector: HALTED, nothing more is applied: %s. Once checked, move that partition's"
            " next_offset in projection_checkpoints past it and restart the projector",
            error,
        )
        await self._health.report(serving=False)
        await asyncio.Event().wait()


def _log_batch(records: Sequence[Record], result: BatchResult) -> None:
    log.debug(
        "projector: applied %d events from %d records; next offsets %s",
        result.applied,
        len(records),
        result.next_offsets,
    )
