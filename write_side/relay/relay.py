"""The relay's loop: stand by, lead, publish in rounds; every failure is retried, never fatal.

Health (`relay` in grpc.health.v1, never the overall status): SERVING while leading and
publishing, or while standing by with a working database connection (waiting is a standby's
job); NOT_SERVING while Kafka or PostgreSQL fails it. Commands never wait for the relay.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from edges.backoff import Backoff
from event_contract.cloudevents import to_kafka_message
from write_side.relay.checkpoint import Checkpoint
from write_side.relay.config import HealthReporter, RelayConfig
from write_side.relay.leadership import Lease, lock_connection, lock_key, wait_for_lock
from write_side.relay.publisher import KafkaPublisher
from write_side.relay.reader import read_batch
from write_side.relay.topic import ensure_topic

log = logging.getLogger(__name__)

HEALTH_NAME = "relay"


class Relay:
    def __init__(
        self,
        config: RelayConfig,
        engine: AsyncEngine,
        health: HealthReporter,
        *,
        reads: AsyncEngine | None = None,
    ) -> None:
        """`reads`: the same database in autocommit, for the reads of each round (fewer round
        trips); `engine` otherwise."""
        self._config = config
        self._engine = engine
        self._reads = reads or engine
        self._health = health
        self._serving: bool | None = None
        self._dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def run(self) -> None:
        """Runs until cancelled."""
        await self._report(serving=False)
        backoff = Backoff(self._config.backoff_max_s)
        while True:
            try:
                await self._stand_by_then_lead(backoff)
            except Exception:  # the relay must outlive any outage; see _publish
                log.warning("relay: database connection failed; retrying", exc_info=True)
                await self._report(serving=False)
                await backoff.sleep()

    async def _stand_by_then_lead(self, backoff: Backoff) -> None:
        async with lock_connection(self._dsn) as conn:
            backoff.reset()
            await self._report(serving=True)
            log.info("relay: standing by for %s", self._config.topic)
            key = lock_key(self._config.checkpoint_name)
            lease = await wait_for_lock(conn, key, self._config.standby_retry_s)
            log.info("relay: leading for %s", self._config.topic)
            await self._lead(lease)
        log.warning("relay: lost the leader lock for %s; standing by", self._config.topic)

    async def _lead(self, lease: Lease) -> None:
        """Publishes until the lease is lost, then stops at once (the publishing task is
        cancelled mid-round; what it sent unacknowledged is republished by the next leader)."""
        publishing = asyncio.create_task(self._publish(lease), name="relay-publish")
        watching = asyncio.create_task(lease.watch(self._config.standby_retry_s))
        try:
            await asyncio.wait({publishing, watching}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (publishing, watching):
                task.cancel()
            await asyncio.gather(publishing, watching, return_exceptions=True)

    async def _publish(self, lease: Lease) -> None:
        backoff = Backoff(self._config.backoff_max_s)
        while True:
            try:
                await self._connect_and_drain(lease, backoff)
            except Exception:  # any failure; see below
                # Kafka or PostgreSQL unreachable, or an event that cannot be sent: the relay
                # may not skip it, so it reports NOT_SERVING and retries from its checkpoint.
                # A bug shows as this line repeating at the back-off's cap, never as a loss.
                log.warning("relay: publishing failed; retrying from the checkpoint", exc_info=True)
                await self._report(serving=False)
                await backoff.sleep()

    async def _connect_and_drain(self, lease: Lease, backoff: Backoff) -> None:
        c = self._config
        await ensure_topic(c.bootstrap_servers, c.topic, c.partitions, c.ack_timeout_s)
        async with KafkaPublisher(c.bootstrap_servers, c.topic, c.ack_timeout_s) as publisher:
            checkpoint = Checkpoint(self._engine, c.checkpoint_name, c.checkpoint_interval_s)
            position = await checkpoint.load()
            while True:
                lease.expect_wakeup()
                position, more = await self._round(publisher, position)
                await checkpoint.save_when_due(position)
                backoff.reset()
                await self._report(serving=True)
                if not more:
                    await lease.wait_for_wakeup(checkpoint.wait_at_most(c.poll_interval_s))

    async def _round(self, publisher: KafkaPublisher, position: int) -> tuple[int, bool]:
        """One batch: read, publish, wait for every ack; the new position (which the caller
        may checkpoint, now that the broker has every event up to it)."""
        batch = await read_batch(self._reads, position, self._config.batch_size)
        if batch.events:
            await publisher.publish([to_kafka_message(e) for e in batch.events])
        return batch.up_to, batch.full

    async def _report(self, *, serving: bool) -> None:
        # On changes only: every report would also reach each Health.Watch stream.
        if serving != self._serving:
            log.log(logging.INFO if serving else logging.WARNING, "relay serving=%s", serving)
            self._serving = serving
            await self._health.report(HEALTH_NAME, serving=serving)
