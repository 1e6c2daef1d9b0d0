"""The users consumer's loop: poll one message, see it to its end, commit its offset, repeat.

At least once: an offset is committed only after its message was handled, skipped or
dead-lettered (and the dead letter acknowledged). Anything else that fails (the broker, a
commit after a rebalance, the dead-letter topic) restarts the consumer with back-off from the
last committed offset; handling is idempotent, so the messages read again change nothing.
"""

from __future__ import annotations

import logging

from aiokafka import AIOKafkaConsumer
from sqlalchemy.ext.asyncio import AsyncEngine

from edges.backoff import Backoff
from edges.kafka.clients import group_consumer, wait_for_topic
from edges.kafka.consumer_health import ConsumerHealth, HealthReporter
from write_side.entrypoints.users_consumer.config import UsersConsumerConfig
from write_side.entrypoints.users_consumer.dead_letters import DeadLetterQueue
from write_side.entrypoints.users_consumer.handling import Deleter, MessageHandler
from write_side.relay.publisher import KafkaPublisher
from write_side.relay.topic import ensure_topic

log = logging.getLogger(__name__)

HEALTH_NAME = "users-consumer"
# How long a poll waits for a message before the loop looks at its health instead.
POLL_TIMEOUT_MS = 500


class UsersConsumer:
    def __init__(
        self,
        config: UsersConsumerConfig,
        deleter: Deleter,
        engine: AsyncEngine,
        health: HealthReporter,
    ) -> None:
        self._config = config
        self._deleter = deleter
        self._health = ConsumerHealth(HEALTH_NAME, health, engine, config.probe_interval_s)
        self._backoff = Backoff(config.backoff_max_s)

    async def run(self) -> None:
        """Runs until cancelled."""
        await self._health.report(serving=False)
        while True:
            try:
                await self._consume()
            except Exception:  # the consumer must outlive any outage
                log.warning("users-consumer: consumer failed; restarting it", exc_info=True)
                await self._health.report(serving=False)
                await self._backoff.sleep()

    async def _consume(self) -> None:
        c = self._config
        consumer = _make_consumer(c)
        try:
            await consumer.start()
            await wait_for_topic(consumer, c.topic, c.probe_interval_s)
            # The users topic is the users service's; its dead-letter topic is ours, with as
            # many partitions, created here if missing.
            partitions = len(consumer.partitions_for_topic(c.topic) or ()) or 1
            await ensure_topic(c.bootstrap_servers, c.dlq_topic, partitions, c.ack_timeout_s)
            async with KafkaPublisher(c.bootstrap_servers, c.dlq_topic, c.ack_timeout_s) as dlq:
                handler = MessageHandler(
                    self._deleter,
                    DeadLetterQueue(dlq),
                    self._health,
                    c.max_attempts,
                    c.backoff_max_s,
                )
                consumer.subscribe([c.topic])
                log.info("users-consumer: consuming %s as %s", c.topic, c.group_id)
                while True:
                    await self._step(consumer, handler)
        finally:
            await consumer.stop()

    async def _step(self, consumer: AIOKafkaConsumer, handler: MessageHandler) -> None:
        # One message per poll: one may take its whole retry budget, and the group expects a
        # poll at least every max.poll.interval.ms (5 minutes), or it drops this member.
        batches = await consumer.getmany(timeout_ms=POLL_TIMEOUT_MS, max_records=1)
        records = [(tp, r) for tp, batch in batches.items() for r in batch]
        if not records:
            await self._health.probe_when_due(consumer)
            return
        for tp, record in records:
            await handler.handle(record)
            await consumer.commit({tp: record.offset + 1})
        self._backoff.reset()
        await self._health.report(serving=True)


def _make_consumer(config: UsersConsumerConfig) -> AIOKafkaConsumer:
    # A new group starts at the beginning of what the topic retains: a user deleted before
    # this consumer first ran still loses their posts (handling is idempotent).
    return group_consumer(config.bootstrap_servers, config.group_id, "users-consumer")
